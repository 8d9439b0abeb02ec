import Foundation
import Netlink
import Testing
import Topology

/// ipvlan children cannot be created on the test kernel (no CONFIG_IPVLAN); the fixture is hand-made from the
/// uapi layout by Fixtures/ipvlan/make_ipvlan_fixture.py and checked against iproute2's decoder
/// (IndependentDecoderTests). The VM suite (probes/vm/vlan-suite.sh) traces real ones.
@Suite("ipvlan children (L2, L3 private) from a hand-crafted RTM_NEWLINK dump")
struct IpvlanFixtureTests {
    static func topology() throws -> HostTopology {
        let dump = try NamespaceDump(recordedIn: FixtureFiles.directory.appendingPathComponent("ipvlan"))
        var topology = HostTopology(namespaces: [
            try NamespaceSnapshot(node: NetworkNode(name: "host", kind: .host), dump: dump)
        ])
        topology.resolveCrossNamespaceLinks { _, _ in nil }
        return topology
    }

    @Test("kind ipvlan, mode and flags, the parent, the parent's MAC; an L3 child is NOARP")
    func children() throws {
        let host = try #require(try Self.topology().namespace(named: "host"))
        let l2 = try #require(host.link(named: "ipv-l2"))
        #expect(l2.kind == .ipvlan)
        #expect(l2.ipvlan == IpvlanSettings(mode: .l2))
        #expect(l2.ipvlan?.mode.answersARP == true)
        #expect(l2.parent == LinkReference(node: "host", index: 2, name: "eth0"))
        #expect(l2.mac == host.link(named: "eth0")?.mac)
        #expect(l2.noARP != true)
        let l3 = try #require(host.link(named: "ipv-l3"))
        #expect(l3.ipvlan?.mode == .l3)
        #expect(l3.ipvlan?.isPrivate == true && l3.ipvlan?.isVEPA == false)
        #expect(l3.ipvlan?.text == "l3 private")
        #expect(l3.ipvlan?.mode.answersARP == false)
        #expect(l3.noARP == true)
        #expect(l3.parent?.name == "eth1")
        #expect(host.link(named: "eth0")?.ipvlan == nil)
    }

    @Test("the text tree nests each child under its parent (golden Fixtures/ipvlan/topo.txt)")
    func tree() throws {
        let topology = try Self.topology()
        let file = FixtureFiles.directory.appendingPathComponent("ipvlan/topo.txt")
        if ProcessInfo.processInfo.environment["LXCDIAG_UPDATE_GOLDEN"] != nil {
            try Data(topology.textTree().utf8).write(to: file)
        }
        #expect(topology.textTree() == (try String(contentsOf: file, encoding: .utf8)))
    }
}
