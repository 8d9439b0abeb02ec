import Foundation
import Netlink
import PacketCodec
import Testing
import Topology

/// Decodes the lab recorded from real namespaces (see Fixtures/README.md), without root.
@Suite("Topology decoded from recorded rtnetlink dumps")
struct RecordedLabTests {
    static let nodes = ["host", "ext", "ct1", "ct2", "ct3", "ct4", "ct5"]

    /// The recorded snapshots, before cross-namespace resolution.
    static func recordedSnapshots() throws -> [NamespaceSnapshot] {
        try nodes.map { name in
            let dump = try NamespaceDump(recordedIn: FixtureFiles.directory.appendingPathComponent("lab/\(name)"))
            return try NamespaceSnapshot(
                node: NetworkNode(name: name, kind: name == "host" ? .host : .netns),
                dump: dump
            )
        }
    }

    /// The lab's topology as `HostTopology.capture` builds it, answering RTM_GETNSID from the recording.
    static func recordedTopology() throws -> HostTopology {
        let recordedIDs = try nodes.map { name in
            let data = try Data(contentsOf: FixtureFiles.directory.appendingPathComponent("lab/\(name)/nsids.json"))
            return try JSONDecoder().decode([String: Int32].self, from: data)
        }
        // As a live capture does: namespaces reaching into two or more others carry their ids.
        let snapshots = try recordedSnapshots().enumerated().map { position, snapshot in
            var snapshot = snapshot
            if Set(snapshot.links.compactMap(\.linkNetnsID)).count >= 2 {
                snapshot.namespaceIDs = recordedIDs[position]
            }
            return snapshot
        }
        var topology = HostTopology(namespaces: snapshots)
        topology.resolveCrossNamespaceLinks { from, candidates in
            candidates.map { recordedIDs[from][nodes[$0]] }
        }
        return topology
    }

    private func link(_ topology: HostTopology, _ node: String, _ name: String) throws -> Link {
        try #require(topology.namespace(named: node)?.link(named: name), "\(node):\(name) missing")
    }

    @Test("link kinds, masters and up/carrier state")
    func kindsAndMasters() throws {
        let topology = try Self.recordedTopology()
        let expected: [String: LinkKind] = [
            "lo": .loopback, "br0": .bridge, "em1": .veth, "vct1": .veth, "mvv": .macvlan, "mvs": .macvlan,
            "mvt": .macvlan, "vx0": .vxlan, "tap0": .tun, "tun0": .tun, "pl0": .veth,
        ]
        for (name, kind) in expected { #expect(try link(topology, "host", name).kind == kind, "\(name)") }
        for port in ["em1", "vct1", "vct2", "vct5", "vx0", "pl0"] {
            #expect(try link(topology, "host", port).master == LinkReference(node: "host", index: 2, name: "br0"))
        }
        #expect(try link(topology, "host", "mvv").master == nil)
        let bridge = try link(topology, "host", "br0")
        #expect(bridge.isUp && bridge.operState == .up && bridge.carrier == true)
        #expect(try link(topology, "host", "em1").promiscuity == 1)
        #expect(try link(topology, "host", "tap0").operState == .down)
        #expect(try link(topology, "host", "tap0").tun?.isTap == true)
        #expect(try link(topology, "host", "tun0").tun?.isTap == false)
        #expect(try link(topology, "host", "tun0").mac == nil)
        #expect(try link(topology, "host", "vct5").mtu == 1400)
        #expect(try link(topology, "ct1", "eth0").mtu == 1500)
    }

    @Test("veth peers resolve across namespaces in both directions")
    func vethPeers() throws {
        let topology = try Self.recordedTopology()
        let pairs = [("em1", "ext"), ("vct1", "ct1"), ("vct2", "ct2"), ("vct5", "ct5")]
        for (hostEnd, container) in pairs {
            let outer = try link(topology, "host", hostEnd)
            let inner = try link(topology, container, "eth0")
            #expect(outer.peer == LinkReference(node: container, index: inner.index, name: "eth0"))
            #expect(inner.peer == LinkReference(node: "host", index: outer.index, name: hostEnd))
            #expect(outer.linkNetnsID != nil && inner.linkNetnsID != nil)
        }
        // A pair inside one namespace has no IFLA_LINK_NETNSID.
        #expect(try link(topology, "host", "pl0").peer?.name == "pl1")
        #expect(try link(topology, "host", "pl1").peer?.node == "host")
    }

    @Test("macvlan modes and parents, also from inside another namespace")
    func macvlans() throws {
        let topology = try Self.recordedTopology()
        let bridge = LinkReference(node: "host", index: 2, name: "br0")
        #expect(try link(topology, "ct3", "eth0").macvlan?.mode == .bridge)
        #expect(try link(topology, "ct3", "eth0").parent == bridge)
        #expect(try link(topology, "ct4", "eth0").macvlan?.mode == .private)
        #expect(try link(topology, "ct4", "eth0").parent == bridge)
        #expect(try link(topology, "host", "mvv").macvlan?.mode == .vepa)
        #expect(try link(topology, "host", "mvv").parent == bridge)
        #expect(try link(topology, "host", "mvs").macvlan?.mode == .source)
        #expect(try link(topology, "host", "mvt").macvlan?.mode == .passthru)
        #expect(try link(topology, "host", "mvt").parent?.name == "pt0")
    }

    @Test("a parent index several namespaces could hold stays unresolved unless the kernel says which")
    func ambiguousParentNeedsKernel() throws {
        var topology = HostTopology(namespaces: try Self.recordedSnapshots())
        var asked: [(Int, [Int])] = []
        topology.resolveCrossNamespaceLinks { from, candidates in
            asked.append((from, candidates))
            return nil
        }
        // ct3's eth0 points at index 2 behind nsid 0: host's br0, but ext, ct1, ct2 and ct5 have an index 2 too.
        #expect(try link(topology, "ct3", "eth0").parent == nil)
        let ct3 = try #require(Self.nodes.firstIndex(of: "ct3"))
        #expect(asked.contains { $0.0 == ct3 && $0.1.contains(0) && $0.1.count > 1 })
        // veth pairs need no question: only one namespace points back.
        #expect(try link(topology, "ct1", "eth0").peer?.name == "vct1")
    }

    @Test("the host's recorded namespace ids resolve its veths without guessing")
    func hostNamespaceIDs() throws {
        let topology = try Self.recordedTopology()
        #expect(topology.namespace(named: "host")?.namespaceIDs?["ct1"] != nil)
        #expect(topology.namespace(named: "ct1")?.namespaceIDs == nil)
        #expect(try link(topology, "host", "vct1").peer?.node == "ct1")
    }

    @Test("bridge settings and per-port state and flags")
    func bridgePorts() throws {
        let topology = try Self.recordedTopology()
        let settings = try #require(try link(topology, "host", "br0").bridge)
        #expect(settings.stpState == .off)
        #expect(settings.forwardDelayCentiseconds == 400)
        #expect(settings.vlanFiltering == false)
        let forwarding = try #require(try link(topology, "host", "vct1").bridgePort)
        #expect(forwarding.state == .forwarding)
        #expect(forwarding.learning == true && forwarding.unicastFlood == true)
        #expect(forwarding.broadcastFlood == true && forwarding.multicastFlood == true)
        #expect(forwarding.hairpin == false && forwarding.isolated == false)
        let disabled = try #require(try link(topology, "host", "vct2").bridgePort)
        #expect(disabled.state == .disabled)
        #expect(disabled.learning == false && disabled.unicastFlood == false)
        #expect(disabled.broadcastFlood == false && disabled.multicastFlood == false)
        let hairpin = try #require(try link(topology, "host", "vct5").bridgePort)
        #expect(hairpin.hairpin == true && hairpin.isolated == true)
        #expect(try link(topology, "host", "pl0").bridgePort?.state == .learning)
        #expect(try link(topology, "host", "mvv").bridgePort == nil)
    }

    @Test("vxlan settings")
    func vxlan() throws {
        let settings = try #require(try link(try Self.recordedTopology(), "host", "vx0").vxlan)
        #expect(settings.vni == 42)
        #expect(settings.port == 4789)
        #expect(settings.local == IPv4Address("192.0.2.1"))
        #expect(settings.group == IPv4Address("198.51.100.2"))
    }

    @Test("bridge FDB: static, sticky, dynamic, learned, local and a vxlan remote")
    func forwardingDatabase() throws {
        let host = try #require(try Self.recordedTopology().namespace(named: "host"))
        func entry(_ mac: String) -> FDBEntry? { host.fdb.first { $0.mac == MACAddress(mac) } }
        let staticEntry = try #require(entry("02:00:00:00:00:aa"))
        #expect(staticEntry.state == .static)
        #expect(staticEntry.port.name == "vct1")
        #expect(staticEntry.bridge?.name == "br0")
        #expect(entry("02:00:00:00:00:ab")?.state == .static)
        #expect(entry("02:00:00:00:00:ab")?.flags == ["sticky"])
        #expect(entry("02:00:00:00:00:ac")?.state == .learned)
        // The ext namespace's MAC was learned on the uplink from real traffic.
        let extMAC = try #require(try link(try Self.recordedTopology(), "ext", "eth0").mac)
        #expect(host.fdb.contains { $0.mac == extMAC && $0.port.name == "em1" && $0.state == .learned })
        // Each port's own address is a permanent (local) entry.
        let vct1 = try link(try Self.recordedTopology(), "host", "vct1")
        #expect(host.fdb.contains { $0.mac == vct1.mac && $0.port.name == "vct1" && $0.state == .permanent })
        let remote = try #require(host.fdb.first { $0.port.name == "vx0" && $0.destination != nil })
        #expect(remote.destination == IPv4Address("198.51.100.2"))
        #expect(remote.flags.contains("self"))
        // Devices' own multicast address lists (`self` entries outside a bridge) are not forwarding entries.
        #expect(!host.fdb.contains { $0.mac == MACAddress("33:33:00:00:00:01") })
    }

    @Test("neighbour entries in each NUD state")
    func neighbours() throws {
        let topology = try Self.recordedTopology()
        let host = try #require(topology.namespace(named: "host"))
        func state(_ address: String) -> NUDState? {
            host.neighbours.first { $0.address == IPv4Address(address) }?.state
        }
        #expect(state("192.0.2.201") == .permanent)
        #expect(state("192.0.2.202") == .noarp)
        #expect(state("192.0.2.203") == .stale)
        #expect(state("192.0.2.204") == .reachable)
        // A DELAY entry added by hand is reported as PROBE once its timer has run.
        #expect([.delay, .probe].contains(state("192.0.2.205")))
        #expect(state("192.0.2.206") == .incomplete)
        #expect(state("192.0.2.207") == .failed)
        #expect(host.neighbours.first { $0.address == IPv4Address("192.0.2.206") }?.mac == nil)
        let ext = try #require(topology.namespace(named: "ext"))
        let ct1 = try #require(topology.namespace(named: "ct1"))
        let learned = try #require(ct1.neighbours.first { $0.address == IPv4Address("192.0.2.100") })
        #expect(learned.mac == ext.link(named: "eth0")?.mac)
        #expect(learned.state == .reachable)
    }

    @Test("IPv4 addresses and main-table routes")
    func addressesAndRoutes() throws {
        let topology = try Self.recordedTopology()
        let host = try #require(topology.namespace(named: "host"))
        let bridgeAddress = try #require(host.addresses.first { $0.interface.name == "br0" })
        #expect(bridgeAddress.address == IPv4Address("192.0.2.1"))
        #expect(bridgeAddress.prefixLength == 24)
        #expect(host.addresses.contains { $0.interface.name == "lo" && $0.scope == "host" })
        let ct3 = try #require(topology.namespace(named: "ct3"))
        #expect(ct3.addresses.map(\.address).contains(IPv4Address("192.0.2.13")!))
        let defaultRoute = try #require(ct3.routes.first { $0.prefixLength == 0 })
        #expect(defaultRoute.gateway == IPv4Address("192.0.2.1"))
        #expect(defaultRoute.interface?.name == "eth0")
        let connected = try #require(ct3.routes.first { $0.prefixLength == 24 })
        #expect(connected.scope == "link" && connected.origin == "kernel")
        // Only the main table: the local table's host routes are left out.
        #expect(!host.routes.contains { $0.type == "local" })
    }

    @Test("the model round-trips through JSON")
    func jsonRoundTrip() throws {
        let topology = try Self.recordedTopology()
        let decoded = try JSONDecoder().decode(HostTopology.self, from: try JSONEncoder().encode(topology))
        #expect(decoded == topology)
    }
}

@Suite("questions other commands ask the topology")
struct TopologyQueryTests {
    @Test("who owns an address or a MAC, where bridges send a MAC, a port's bridge, a parent's children")
    func queries() throws {
        let topology = try RecordedLabTests.recordedTopology()
        let owners = topology.assignments(of: IPv4Address("192.0.2.13")!)
        #expect(owners.map(\.interface) == [LinkReference(node: "ct3", index: 7, name: "eth0")])
        #expect(topology.assignments(of: IPv4Address("203.0.113.9")!).isEmpty)
        let ct1 = try #require(topology.namespace(named: "ct1")?.link(named: "eth0"))
        #expect(
            topology.interfaces(withMAC: try #require(ct1.mac)) == [LinkReference(node: "ct1", index: 2, name: "eth0")]
        )
        let entries = topology.forwardingEntries(for: try #require(ct1.mac))
        #expect(entries.map(\.port.name) == ["vct1"] && entries.first?.state == .learned)
        let vct2 = try #require(topology.namespace(named: "host")?.link(named: "vct2"))
        #expect(topology.bridge(of: vct2)?.name == "br0")
        let children = topology.children(of: LinkReference(node: "host", index: 2, name: "br0"))
        #expect(Set(children.map(\.description)) == ["host:mvv", "host:mvs", "ct3:eth0", "ct4:eth0"])
    }
}
