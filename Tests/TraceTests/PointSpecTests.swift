import LinuxNet
import NetworkModel
import PacketCodec
import Testing

@testable import Trace

@Suite("Places on the command line: netns:NAME/IFACE, pid:PID/IFACE, host/IFACE (no root)")
struct PointSpecTests {
    @Test("a named namespace with interface, role and address")
    func namedNamespace() throws {
        let spec = try PointSpec(parsing: "netns:ct1/eth1=container@192.0.2.20")
        #expect(spec.node == "ct1")
        #expect(spec.namespace == .named("ct1"))
        #expect(spec.interface == "eth1")
        #expect(spec.role == .container)
        #expect(spec.ip == IPv4Address(192, 0, 2, 20))
        let point = spec.capturePoint(defaultRole: .bridgePort, isSide: true)
        #expect(point.label == "ct1:eth1")
        #expect(point.role == .container)
        #expect(point.isSide)
    }

    @Test("the host namespace, a pid, and the default interface for endpoints")
    func hostPidAndDefault() throws {
        let host = try PointSpec(parsing: "host/br0=bridge")
        #expect(host.node == "host")
        #expect(host.namespace == .current)
        #expect(host.role == .bridge)
        let pid = try PointSpec(parsing: "pid:4242/eth0")
        #expect(pid.namespace == .pid(4242))
        #expect(pid.node == "pid4242")
        let endpoint = try PointSpec(parsing: "netns:ext", defaultInterface: "eth0")
        #expect(endpoint.interface == "eth0")
        #expect(endpoint.role == nil)
    }

    @Test(
        "mistakes are errors that quote what was typed",
        arguments: [
            ("netns:ct1", "name the interface"),
            ("ct1/eth0", "say where"),
            ("netns:ct1/eth0=switch", "unknown role `switch`"),
            ("netns:ct1/eth0@300.1.1.1", "not an IPv4 address"),
            ("netns:ct1/averyveryverylongname", "not an interface name"),
            ("pid:abc/eth0", "say where"),
        ]
    )
    func mistakes(text: String, message: String) {
        let error = #expect(throws: TraceError.self) { try PointSpec(parsing: text) }
        #expect(error?.kind == .badPlan)
        #expect(error?.description.contains(text) == true)
        #expect(error?.description.contains(message) == true, "\(error.map { "\($0)" } ?? "")")
    }
}

@Suite("Reading neighbour entries from ip -j (no root)")
struct NeighbourTableTests {
    @Test("ip -j neigh output gives the same entry")
    func ipJSON() throws {
        let text = #"[{"dst":"192.0.2.20","dev":"eth0","lladdr":"ea:4d:de:f9:5c:8c","state":["STALE"]}]"#
        let entry = try IPRouteJSON.neighbour(text, ip: IPv4Address(192, 0, 2, 20), interface: "eth0")
        #expect(entry?.mac == MACAddress("ea:4d:de:f9:5c:8c"))
        #expect(entry?.states == ["STALE"])
        #expect(try IPRouteJSON.neighbour("", ip: IPv4Address(192, 0, 2, 20), interface: "eth0") == nil)
    }
}
