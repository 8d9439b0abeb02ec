import ExpectedPath
import PacketCodec
import Testing
import Topology

/// A Docker-style ipvlan network: `out` on a veth to the host's `eth0`, the parent of c1's and c2's ipvlan children
/// (both with eth0's MAC), in `mode`.
private func ipvlanTopology(_ mode: IpvlanMode, flags: UInt16 = 0, outsideNeighbour: Bool = true) -> HostTopology {
    var builder = TopologyBuilder()
    for name in ["out", "host", "c1", "c2"] { builder.namespace(name) }
    let parentMAC = "02:00:00:00:0a:02"
    let (outEnd, parent) = builder.veth(("out", "eth0", "02:00:00:00:0a:01"), ("host", "eth0", parentMAC))
    builder.address(outEnd, "192.0.2.1/24")
    builder.address(parent, "192.0.2.2/24")
    for (node, address) in [("c1", "192.0.2.11/24"), ("c2", "192.0.2.12/24")] {
        let child = builder.link(node, "eth0", kind: .ipvlan, mac: parentMAC)
        builder.update(child) {
            $0.parent = parent
            $0.ipvlan = IpvlanSettings(mode: mode, flags: flags)
            if mode != .l2 { $0.noARP = true }
        }
        builder.address(child, address)
    }
    if outsideNeighbour { builder.neighbour("out", "192.0.2.11", mac: parentMAC, on: outEnd, .reachable) }
    return builder.topology
}

private func steps(_ path: ExpectedPath) -> [String] {
    path.hops.map { "\($0.node):\($0.interface) \($0.reason.rawValue)" }
}

@Suite("ipvlan paths (L2, L3): parent -> child by destination address (built topologies, no root)")
struct IpvlanPathTests {
    @Test("outside -> L2 child: across the veth to the parent, which hands it to the child holding the address")
    func outsideToL2Child() throws {
        let path = PathFinder.path(
            from: endpoint("out", "192.0.2.1"),
            to: endpoint("c1", "192.0.2.11"),
            in: ipvlanTopology(.l2)
        )
        #expect(steps(path) == ["out:eth0 route-lookup", "host:eth0 veth-peer", "c1:eth0 ipvlan-child"])
        #expect(path.reachable)
        #expect(path.hops[2].detail.contains("(mode l2) holds 192.0.2.11; it answers ARP with the parent's MAC"))
    }

    @Test("outside -> L3 child: the same hops; the hop says it answers no ARP (a neighbour entry or route is needed)")
    func outsideToL3Child() throws {
        let path = PathFinder.path(
            from: endpoint("out", "192.0.2.1"),
            to: endpoint("c1", "192.0.2.11"),
            in: ipvlanTopology(.l3)
        )
        #expect(steps(path).last == "c1:eth0 ipvlan-child")
        #expect(path.reachable)
        #expect(path.hops.last?.detail.contains("L3 mode: it answers no ARP (NOARP)") == true)
    }

    @Test("the host's own stack cannot reach a child through the parent: blocked by design")
    func hostThroughParent() throws {
        let path = PathFinder.path(
            from: endpoint("host", "192.0.2.2"),
            to: endpoint("c1", "192.0.2.11"),
            in: ipvlanTopology(.l2)
        )
        #expect(!path.reachable)
        let blocked = try #require(path.blockedHop)
        #expect(blocked.reason == .ipvlanChild && blocked.blockedByDesign)
        #expect(blocked.blocked?.contains("own stack cannot reach its ipvlan children") == true)
    }

    @Test("child -> sibling: handed over on the parent directly; with the private flag blocked by design")
    func siblings() throws {
        let direct = PathFinder.path(
            from: endpoint("c1", "192.0.2.11"),
            to: endpoint("c2", "192.0.2.12"),
            in: ipvlanTopology(.l3)
        )
        #expect(steps(direct) == ["c1:eth0 route-lookup", "c2:eth0 ipvlan-child"])
        #expect(direct.reachable)
        let isolated = PathFinder.path(
            from: endpoint("c1", "192.0.2.11"),
            to: endpoint("c2", "192.0.2.12"),
            in: ipvlanTopology(.l3, flags: 0x1)
        )
        #expect(!isolated.reachable)
        #expect(isolated.blockedHop?.blockedByDesign == true)
    }

    @Test("child -> outside: out of the parent (L3: routed by the parent's namespace), across the veth")
    func childToOutside() throws {
        let path = PathFinder.path(
            from: endpoint("c1", "192.0.2.11"),
            to: endpoint("out", "192.0.2.1"),
            in: ipvlanTopology(.l3)
        )
        #expect(steps(path) == ["c1:eth0 route-lookup", "host:eth0 ipvlan-parent", "out:eth0 veth-peer"])
        #expect(path.hops[1].detail.contains("L3 mode: routed by host's namespace"))
        #expect(path.reachable)
    }
}
