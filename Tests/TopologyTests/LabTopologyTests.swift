import Foundation
import Glibc
import LinuxNet
import Netlink
import PacketCodec
import Testing
import Topology

@Suite("Topology of a namespace lab, captured live", .enabled(if: getuid() == 0, "needs root"))
struct LabTopologyTests {
    @Test("captures kinds, masters, peers across namespaces, port states, FDB and macvlan modes")
    func capturesLab() throws {
        let lab = try TopologyLab()
        defer { lab.tearDown() }
        let topology = try HostTopology.capture(lab.targets)
        if let directory = ProcessInfo.processInfo.environment["LXCDIAG_RECORD_FIXTURES"] {
            try recordFixtures(lab: lab, into: URL(fileURLWithPath: directory))
        }
        #expect(topology.problems.isEmpty)
        #expect(topology.namespaces.map(\.node.name) == ["host", "ext", "ct1", "ct2", "ct3", "ct4", "ct5"])
        let host = try #require(topology.namespace(named: "host"))
        let bridge = try #require(host.link(named: "br0"))
        #expect(bridge.kind == .bridge)
        #expect(bridge.bridge?.stpState == .off)
        #expect(Set(host.ports(of: bridge).map(\.name)) == ["em1", "vct1", "vct2", "vct5", "vx0", "pl0"])
        for (hostEnd, node) in [("em1", "ext"), ("vct1", "ct1"), ("vct2", "ct2"), ("vct5", "ct5")] {
            let outer = try #require(host.link(named: hostEnd))
            #expect(outer.peer?.node == node && outer.peer?.name == "eth0")
            let inner = try #require(topology.namespace(named: node)?.link(named: "eth0"))
            #expect(inner.peer == LinkReference(node: "host", index: outer.index, name: hostEnd))
        }
        // Both macvlan children were moved out of the host; RTM_GETNSID tells which namespace their parent is in.
        for (node, mode) in [("ct3", MacvlanMode.bridge), ("ct4", .private)] {
            let child = try #require(topology.namespace(named: node)?.link(named: "eth0"))
            #expect(child.kind == .macvlan && child.macvlan?.mode == mode)
            #expect(child.parent == LinkReference(node: "host", index: bridge.index, name: "br0"))
        }
        #expect(host.link(named: "mvv")?.macvlan?.mode == .vepa)
        #expect(host.link(named: "mvt")?.macvlan?.mode == .passthru)
        let disabled = try #require(host.link(named: "vct2")?.bridgePort)
        #expect(disabled.state == .disabled)
        #expect(disabled.unicastFlood == false && disabled.broadcastFlood == false && disabled.learning == false)
        #expect(host.link(named: "vct1")?.bridgePort?.state == .forwarding)
        #expect(host.link(named: "pl0")?.bridgePort?.state == .learning)
        #expect(host.link(named: "vct5")?.bridgePort?.hairpin == true)
        #expect(host.fdb.contains { $0.mac == MACAddress("02:00:00:00:00:aa") && $0.state == .static })
        let ctMAC = try #require(topology.namespace(named: "ct1")?.link(named: "eth0")?.mac)
        #expect(host.fdb.contains { $0.mac == ctMAC && $0.port.name == "vct1" && $0.state == .learned })
        #expect(host.neighbours.contains { $0.address == IPv4Address("192.0.2.203") && $0.state == .stale })
    }

    @Test("port state changed between captures shows in the next one")
    func portStateChange() throws {
        let lab = try TopologyLab()
        defer { lab.tearDown() }
        let before = try NamespaceSnapshot.capture(in: .named(lab.host))
        #expect(before.link(named: "vct1")?.bridgePort?.state == .forwarding)
        try ExternalCommand.check(["bridge", "-n", lab.host, "link", "set", "dev", "vct1", "state", "0"])
        try ExternalCommand.check(["ip", "-n", lab.host, "link", "set", "vct1", "type", "bridge_slave", "flood", "off"])
        let after = try NamespaceSnapshot.capture(in: .named(lab.host))
        // `ip link set ... bridge_slave` re-runs the bridge's carrier check, which re-enables a disabled port.
        #expect(after.link(named: "vct1")?.bridgePort?.unicastFlood == false)
        try ExternalCommand.check(["bridge", "-n", lab.host, "link", "set", "dev", "vct1", "state", "0"])
        let disabled = try NamespaceSnapshot.capture(in: .named(lab.host))
        #expect(disabled.link(named: "vct1")?.bridgePort?.state == .disabled)
    }

    @Test("one namespace under two names is captured once, with an alias; a missing one is a problem, not a failure")
    func duplicatesAndMissing() throws {
        let lab = try TopologyLab()
        defer { lab.tearDown() }
        let targets = [
            TopologyTarget(name: "host", kind: .host, namespace: .named(lab.host)),
            TopologyTarget(name: "ct1", kind: .netns, namespace: .named(lab.containers[0])),
            TopologyTarget(name: "again", kind: .process, namespace: .path("/run/netns/\(lab.containers[0])")),
            TopologyTarget(name: "gone", kind: .netns, namespace: .named("lxcdiag-t-no-such-ns")),
        ]
        let topology = try HostTopology.capture(targets)
        #expect(topology.namespaces.map(\.node.name) == ["host", "ct1"])
        #expect(topology.namespace(named: "ct1")?.node.aliases == ["again"])
        #expect(topology.namespace(named: "host")?.node.aliases == nil)
        #expect(topology.problems.count == 1)
        #expect(topology.problems.contains { $0.contains("gone") && $0.contains("does not exist") })
        #expect(throws: NamespaceError.self) {
            try HostTopology.capture([TopologyTarget(name: "host", kind: .host, namespace: .named("lxcdiag-t-none"))])
        }
    }

    /// Writes each namespace's raw dumps under `directory/NODE/`, and in `nsids.json` the id the namespace
    /// gives each other one (RTM_GETNSID), which peer resolution asks for when indexes alone are ambiguous.
    private func recordFixtures(lab: TopologyLab, into directory: URL) throws {
        let targets = lab.targets
        for target in targets {
            let others = targets.filter { $0 != target }
            let (dump, ids) = try withNetworkNamespace(target.namespace) {
                let socket = try NetlinkSocket()
                var ids: [String: Int32] = [:]
                for other in others {
                    if let id = try socket.namespaceID(ofNamespaceFile: other.namespace.filePath!) {
                        ids[other.name] = id
                    }
                }
                return (try NamespaceDump(socket: socket), ids)
            }
            let node = directory.appendingPathComponent(target.name)
            try dump.record(in: node)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(ids).write(to: node.appendingPathComponent("nsids.json"))
        }
    }
}
