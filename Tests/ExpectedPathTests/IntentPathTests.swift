import ExpectedPath
import PacketCodec
import Testing
import Topology

/// The target as `path` resolves it: its own interface and MAC, and where its address came from.
private func target(_ node: String, _ ip: String, mac: String, origin: String? = nil) -> PathEndpoint {
    PathEndpoint(
        endpoint: node,
        node: node,
        interface: "eth0",
        ip: IPv4Address(ip)!,
        mac: MACAddress(mac),
        addressOrigin: origin
    )
}

private func summary(_ path: ExpectedPath) -> [String] {
    path.hops.map { "\($0.node):\($0.interface) \($0.reason.rawValue)" }
}

@Suite("Intent first: the path goes where the target is attached, and disagreements are hop findings")
struct IntentPathTests {
    @Test(
        "a static FDB entry sending ct1's MAC to veth-ct2: the walk still leaves br0 by veth-ct1, which carries FDB_WRONG_PORT"
    )
    func wrongFDBPort() throws {
        var lab = Lab()
        let vethCT2 = try #require(lab.topology.namespace(named: "host")?.link(named: "veth-ct2"))
        let host = try #require(lab.topology.namespace(named: "host"))
        lab.builder.fdb(
            "host",
            mac: "02:00:00:00:01:01",
            port: host.reference(vethCT2),
            bridge: lab.br0,
            state: .static
        )
        var topology = lab.topology
        let position = try #require(topology.namespaces.firstIndex { $0.node.name == "host" })
        topology.namespaces[position].node.namespacePath = "/run/netns/lab-host"
        let path = PathFinder.path(
            from: endpoint("ext", "192.0.2.1"),
            to: target("ct1", "192.0.2.11", mac: "02:00:00:00:01:01"),
            in: topology
        )
        #expect(summary(path).suffix(3) == ["host:br0 bridge-fdb", "host:veth-ct1 bridge-fdb", "ct1:eth0 veth-peer"])
        #expect(path.hops.last?.detail.hasSuffix("ct1 holds 192.0.2.11: delivered") == true)
        let port = try #require(path.hops.first { $0.node == "host" && $0.interface == "veth-ct1" })
        let finding = try #require(port.findings.first)
        #expect(port.findings.count == 1)
        #expect(finding.code == "FDB_WRONG_PORT")
        #expect(finding.evidence.first == "fdb 02:00:00:00:01:01 dev veth-ct2 master br0 static")
        #expect(finding.fix == "bridge -n lab-host fdb del 02:00:00:00:01:01 dev veth-ct2 master")
        #expect(path.blockedHop == nil)
        #expect(!path.reachable, "the frame dies at br0 in fact")
        #expect(!path.hops.contains { $0.node == "ct2" }, "nothing off the path is walked")
        #expect(
            PathText.render(path).hasPrefix(
                "path ext (ext 192.0.2.1) -> ct1 (ct1 192.0.2.11): FDB_WRONG_PORT at host:veth-ct1\n"
            )
        )
    }

    @Test("an FDB entry on the port the target hangs off is no finding")
    func rightFDBPort() {
        var lab = Lab()
        lab.builder.fdb("host", mac: "02:00:00:00:01:01", port: lab.vethCT1, bridge: lab.br0, state: .static)
        let path = PathFinder.path(
            from: endpoint("ext", "192.0.2.1"),
            to: target("ct1", "192.0.2.11", mac: "02:00:00:00:01:01"),
            in: lab.topology
        )
        #expect(path.findings.isEmpty)
        #expect(path.reachable)
    }

    @Test(
        "ct1 lost its address: the walk follows ct1's MAC to ct1:eth0, which carries ADDRESS_NOT_CONFIGURED and the address's origin"
    )
    func lostAddress() throws {
        var topology = Lab().topology
        let position = try #require(topology.namespaces.firstIndex { $0.node.name == "ct1" })
        topology.namespaces[position].addresses.removeAll()
        topology.namespaces[position].routes.removeAll()
        topology.namespaces[position].node.namespacePath = "/proc/4001/ns/net"
        let path = PathFinder.path(
            from: endpoint("ext", "192.0.2.1"),
            to: target("ct1", "192.0.2.11", mac: "02:00:00:00:01:01", origin: "the endpoint file"),
            in: topology
        )
        #expect(summary(path).suffix(2) == ["host:veth-ct1 bridge-flood", "ct1:eth0 veth-peer"])
        let last = try #require(path.hops.last)
        #expect(last.findings.map(\.code) == ["ADDRESS_NOT_CONFIGURED"])
        let finding = try #require(last.findings.first)
        #expect(finding.evidence.contains("ct1:eth0 holds no IPv4 address"))
        #expect(finding.evidence.contains("192.0.2.11 from the endpoint file"))
        #expect(finding.fix == "nsenter --net=/proc/4001/ns/net ip addr add 192.0.2.11/24 dev eth0")
        #expect(!path.reachable)
        #expect(path.notes.contains { $0.contains("the path follows ct1:eth0") && $0.contains("the endpoint file") })
    }

    @Test("ct1 without a route back to ext: the frame is delivered and ct1:eth0 carries NO_ROUTE for the replies")
    func noRouteBack() throws {
        var topology = Lab().topology
        let position = try #require(topology.namespaces.firstIndex { $0.node.name == "ct1" })
        topology.namespaces[position].routes.removeAll()
        topology.namespaces[position].node.namespacePath = "/run/netns/lab-ct1"
        let path = PathFinder.path(
            from: endpoint("ext", "192.0.2.1"),
            to: target("ct1", "192.0.2.11", mac: "02:00:00:00:01:01"),
            in: topology
        )
        #expect(path.hops.last?.detail.hasSuffix("ct1 holds 192.0.2.11: delivered") == true)
        let finding = try #require(path.hops.last?.findings.first)
        #expect(finding.code == "NO_ROUTE")
        #expect(finding.summary == "ct1 has no route back to 192.0.2.1, so its replies cannot be sent")
        #expect(finding.fix == "ip -n lab-ct1 route add 192.0.2.0/24 dev eth0")
        #expect(!path.reachable)
        // The other way, sent from ct1's pinned eth0: the raw frame gets out, the stack's own would not.
        let back = PathFinder.path(
            from: endpoint("ct1", "192.0.2.11", interface: "eth0"),
            to: target("ext", "192.0.2.1", mac: "02:00:00:00:0e:01"),
            in: topology
        )
        #expect(back.hops.first?.findings.map(\.code) == ["NO_ROUTE"])
        #expect(back.hops.last.map { "\($0.node):\($0.interface)" } == "ext:eth0")
        #expect(!back.reachable)
    }

    @Test("a sender without any route stops at its own interface, where a trace can capture, not at '-'")
    func senderWithoutRoute() {
        let path = PathFinder.path(
            from: PathEndpoint(endpoint: "ct1", node: "ct1", interface: "eth0", ip: IPv4Address("192.0.2.11")),
            to: endpoint("ext", "203.0.113.9"),
            in: Lab().topology
        )
        #expect(path.hops.map { "\($0.node):\($0.interface)" } == ["ct1:eth0"])
        #expect(path.blockedHop?.blocked == "ct1 has no route to 203.0.113.9")
    }

    @Test("an address nobody holds and no MAC to follow: the frame leaves for the outside, as before")
    func nobodyHolds() {
        let path = PathFinder.path(
            from: endpoint("ext", "192.0.2.1"),
            to: endpoint("ct9", "192.0.2.99"),
            in: Lab().topology
        )
        #expect(path.notes.contains("no captured namespace holds 192.0.2.99; it must be outside this host"))
        #expect(path.findings.isEmpty)
        #expect(!path.reachable)
    }
}

@Suite("A target nobody holds or is declared to hold is the segment the route points at")
struct SegmentTargetTests {
    @Test("ext to an address nobody on its segment holds: one egress hop naming the segment, no walk beyond")
    func segment() throws {
        let from = endpoint("ext", "192.0.2.1")
        let egress = PathFinder.egressInterface(from: from, toward: IPv4Address("192.0.2.99")!, in: Lab().topology)
        #expect(egress == "eth0")
        let to = PathEndpoint(endpoint: "ip:192.0.2.99", node: "ext", interface: egress, ip: IPv4Address("192.0.2.99"))
        let path = PathFinder.path(from: from, to: to, in: Lab().topology)
        #expect(path.hops.map { "\($0.node):\($0.interface)" } == ["ext:eth0"])
        let finding = try #require(path.hops.first?.findings.first)
        #expect(finding.code == "ADDRESS_NOT_CONFIGURED")
        #expect(finding.summary == "nobody on the segment ext:eth0 leads to holds 192.0.2.99")
        #expect(finding.evidence.first == "the segment reaches host, ct1, ct2, ct3")
        #expect(!path.reachable)
    }
}
