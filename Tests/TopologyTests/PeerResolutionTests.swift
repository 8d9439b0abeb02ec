import Testing
import Topology

/// Resolution rules on small hand-built snapshots, where the recorded lab cannot show a case.
@Suite("veth peer and parent resolution rules")
struct PeerResolutionTests {
    /// A veth at `index` whose peer is index `peer` behind namespace id `netnsID`.
    static func veth(_ name: String, _ index: Int32, peer: Int32, netnsID: Int32) -> Link {
        var link = Link(index: index, name: name, kind: .veth, mtu: 1500)
        link.linkIndex = peer
        link.linkNetnsID = netnsID
        return link
    }

    /// Host A's vethX (5) is paired with C1's eth0 (2). C2's eth0 is also index 2 pointing at index 5, but in a
    /// namespace that was not captured; index matching alone cannot tell C1 from C2.
    static func snapshots() -> [NamespaceSnapshot] {
        [
            NamespaceSnapshot(
                node: NetworkNode(name: "A", kind: .host),
                links: [veth("vethX", 5, peer: 2, netnsID: 0)]
            ),
            NamespaceSnapshot(
                node: NetworkNode(name: "C1", kind: .netns),
                links: [veth("eth0", 2, peer: 5, netnsID: 0)]
            ),
            NamespaceSnapshot(
                node: NetworkNode(name: "C2", kind: .netns),
                links: [veth("eth0", 2, peer: 5, netnsID: 0)]
            ),
        ]
    }

    @Test("without the kernel, an end two namespaces claim stays unresolved on every side")
    func ambiguousWithoutKernel() {
        var topology = HostTopology(namespaces: Self.snapshots())
        topology.resolveCrossNamespaceLinks { _, _ in nil }
        for node in ["A", "C1", "C2"] {
            #expect(topology.namespaces.first { $0.node.name == node }?.links[0].peer == nil)
        }
    }

    @Test("the kernel's answer picks C1, and C2's claim is dropped because vethX does not point back")
    func kernelPicks() {
        var topology = HostTopology(namespaces: Self.snapshots())
        topology.resolveCrossNamespaceLinks { from, candidates in
            // A gives C1 id 0 and C2 none; C1 and C2 were never asked (a lone veth fit needs no question).
            from == 0 ? candidates.map { $0 == 1 ? 0 : nil } : nil
        }
        #expect(topology.namespaces[0].links[0].peer == LinkReference(node: "C1", index: 2, name: "eth0"))
        #expect(topology.namespaces[1].links[0].peer == LinkReference(node: "A", index: 5, name: "vethX"))
        #expect(topology.namespaces[2].links[0].peer == nil)
    }

    @Test("captured namespace ids decide without asking")
    func capturedIDs() {
        var snapshots = Self.snapshots()
        snapshots[0].namespaceIDs = ["C1": 0]
        var topology = HostTopology(namespaces: snapshots)
        var asked = false
        topology.resolveCrossNamespaceLinks { _, _ in
            asked = true
            return nil
        }
        #expect(!asked)
        #expect(topology.namespaces[0].links[0].peer?.node == "C1")
        #expect(topology.namespaces[2].links[0].peer == nil)
    }

    @Test("a macvlan parent must be no loopback and at least as large as the child")
    func macvlanParentRules() {
        var child = Link(index: 3, name: "eth0", kind: .macvlan, mtu: 9000)
        child.linkIndex = 1
        child.linkNetnsID = 0
        let loopback = Link(index: 1, name: "lo", kind: .loopback, mtu: 65536)
        let small = Link(index: 1, name: "br0", kind: .bridge, mtu: 1500)
        var topology = HostTopology(namespaces: [
            NamespaceSnapshot(node: NetworkNode(name: "ct", kind: .netns), links: [child]),
            NamespaceSnapshot(node: NetworkNode(name: "x", kind: .netns), links: [loopback]),
            NamespaceSnapshot(node: NetworkNode(name: "y", kind: .netns), links: [small]),
        ])
        topology.resolveCrossNamespaceLinks { _, _ in nil }
        #expect(topology.namespaces[0].links[0].parent == nil)
    }

    @Test("a thousand containers whose ends all have index 2 each pair with their own host port")
    func thousandContainers() {
        let count: Int32 = 1000
        let host = NamespaceSnapshot(
            node: NetworkNode(name: "host", kind: .host),
            links: (1...count).map { Self.veth("c\($0)", 10 + $0, peer: 2, netnsID: $0) }
        )
        let containers = (1...count).map { number in
            NamespaceSnapshot(
                node: NetworkNode(name: "ct\(number)", kind: .netns),
                links: [
                    Link(index: 1, name: "lo", kind: .loopback, mtu: 65536),
                    Self.veth("eth0", 2, peer: 10 + number, netnsID: 0),
                ]
            )
        }
        var topology = HostTopology(namespaces: [host] + containers)
        var asked = false
        topology.resolveCrossNamespaceLinks { _, _ in
            asked = true
            return nil
        }
        // Every veth fits exactly one namespace: nothing needs the kernel.
        #expect(!asked)
        for number in 1...count {
            let port = topology.namespaces[0].links[Int(number) - 1]
            #expect(port.peer == LinkReference(node: "ct\(number)", index: 2, name: "eth0"))
            #expect(
                topology.namespaces[Int(number)].links[1].peer
                    == LinkReference(node: "host", index: 10 + number, name: "c\(number)")
            )
        }
    }

    @Test("links are found by index in any order, and namespaces by name after a rename")
    func lookups() {
        let links = [Int32(7), 3, 9, 1].map { Link(index: $0, name: "l\($0)", kind: .veth, mtu: 1500) }
        let unsorted = NamespaceSnapshot(node: NetworkNode(name: "a", kind: .netns), links: links)
        for index in [Int32(1), 3, 7, 9] { #expect(unsorted.link(index: index)?.name == "l\(index)") }
        #expect(unsorted.link(index: 5) == nil)
        let sorted = NamespaceSnapshot(
            node: NetworkNode(name: "b", kind: .netns),
            links: links.sorted { $0.index < $1.index }
        )
        for index in [Int32(1), 3, 7, 9] { #expect(sorted.link(index: index)?.name == "l\(index)") }
        #expect(sorted.link(index: 0) == nil && sorted.link(index: 10) == nil && sorted.link(index: 4) == nil)

        var topology = HostTopology(namespaces: [unsorted, sorted])
        #expect(topology.namespace(named: "b")?.links.count == 4)
        topology.namespaces[1].node.name = "c"
        #expect(topology.namespace(named: "b") == nil)
        #expect(topology.link(LinkReference(node: "c", index: 9, name: "l9"))?.name == "l9")
        let copy = topology
        topology.namespaces.append(NamespaceSnapshot(node: NetworkNode(name: "d", kind: .netns)))
        #expect(copy.namespace(named: "d") == nil)
        #expect(topology.namespace(named: "d") != nil)
        #expect(copy == HostTopology(namespaces: [unsorted, copy.namespaces[1]]))
    }
}
