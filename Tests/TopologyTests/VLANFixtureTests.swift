import Foundation
import Netlink
import Testing
import Topology

/// VLAN devices cannot be created on the test kernel (no CONFIG_VLAN_8021Q); the fixture is hand-made from the
/// uapi layout by Fixtures/vlan/make_vlan_fixture.py and checked against iproute2's decoder below.
@Suite("802.1Q and 802.1ad devices from a hand-crafted RTM_NEWLINK dump")
struct VLANFixtureTests {
    static func snapshot() throws -> NamespaceSnapshot {
        let dump = try NamespaceDump(recordedIn: FixtureFiles.directory.appendingPathComponent("vlan"))
        return try NamespaceSnapshot(node: NetworkNode(name: "host", kind: .host), dump: dump)
    }

    @Test("VLAN id, tag protocol and parent")
    func vlanDevices() throws {
        var topology = HostTopology(namespaces: [try Self.snapshot()])
        topology.resolveCrossNamespaceLinks { _, _ in nil }
        let host = try #require(topology.namespace(named: "host"))
        let dot1q = try #require(host.link(named: "em1.211"))
        #expect(dot1q.kind == .vlan)
        #expect(dot1q.vlan == VLANSettings(id: 211, tagProtocol: 0x8100))
        #expect(dot1q.parent == LinkReference(node: "host", index: 2, name: "em1"))
        #expect(dot1q.master?.name == "br0")
        #expect(dot1q.bridgePort?.state == .forwarding)
        let dot1ad = try #require(host.link(named: "em1.103"))
        #expect(dot1ad.vlan == VLANSettings(id: 103, tagProtocol: 0x88A8))
        #expect(dot1ad.parent?.name == "em1")
        #expect(host.link(named: "em1")?.kind == .physical)
        #expect(host.link(named: "br0")?.bridge?.forwardDelayCentiseconds == 1500)
        #expect(host.link(named: "br0")?.bridge?.vlanDefaultPVID == 1)
    }

    @Test("the text tree nests the bridge under the VLAN under the NIC (golden Fixtures/vlan/topo.txt)")
    func tree() throws {
        var resolved = HostTopology(namespaces: [try Self.snapshot()])
        resolved.resolveCrossNamespaceLinks { _, _ in nil }
        let file = FixtureFiles.directory.appendingPathComponent("vlan/topo.txt")
        if ProcessInfo.processInfo.environment["LXCDIAG_UPDATE_GOLDEN"] != nil {
            try Data(resolved.textTree().utf8).write(to: file)
        }
        #expect(resolved.textTree() == (try String(contentsOf: file, encoding: .utf8)))
    }
}
