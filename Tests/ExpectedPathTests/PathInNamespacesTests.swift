import ExpectedPath
import Glibc
import KernelSettings
import LinuxNet
import PacketCodec
import Testing
import Topology

@Suite("Expected paths over namespaces captured through rtnetlink", .enabled(if: getuid() == 0, "needs root"))
struct PathInNamespacesTests {
    /// `node:interface` per hop, and the reasons of hops that are not a bridge's choice (learned or flooded
    /// depends on what traffic the kernel has seen since the links came up).
    private func shape(_ path: ExpectedPath) -> [String] {
        path.hops.map { hop in
            let reason = [HopReason.bridgeFDB, .bridgeFlood].contains(hop.reason) ? "bridge" : hop.reason.rawValue
            return "\(hop.node):\(hop.interface) \(reason)"
        }
    }

    @Test("ext to a veth container, ext to the macvlan child, container to container, host via em2")
    func labPaths() throws {
        let lab = try NamespaceLab()
        defer { lab.tearDown() }
        let topology = try lab.capture()
        #expect(topology.problems.isEmpty)

        let toCT1 = PathFinder.path(from: endpoint("ext", "192.0.2.1"), to: endpoint("ct1", "192.0.2.11"), in: topology)
        #expect(
            shape(toCT1) == [
                "ext:eth0 route-lookup", "ext:sw0-p0 veth-peer", "ext:sw0 bridge", "ext:sw0-p1 bridge",
                "host:em1 veth-peer", "host:br0 bridge", "host:veth-c1 bridge", "ct1:eth0 veth-peer",
            ]
        )
        #expect(toCT1.reachable)

        let toCT3 = PathFinder.path(from: endpoint("ext", "192.0.2.1"), to: endpoint("ct3", "192.0.2.13"), in: topology)
        #expect(shape(toCT3).suffix(3) == ["host:em1 veth-peer", "host:br0 bridge-local", "ct3:eth0 macvlan-child"])
        #expect(toCT3.reachable)

        let across = PathFinder.path(
            from: endpoint("ct1", "192.0.2.11"),
            to: endpoint("ct2", "192.0.2.12"),
            in: topology
        )
        #expect(
            shape(across) == [
                "ct1:eth0 route-lookup", "host:veth-c1 veth-peer", "host:br0 bridge", "host:veth-c2 bridge",
                "ct2:eth0 veth-peer",
            ]
        )

        let viaEm2 = PathFinder.path(
            from: endpoint("host", "192.0.2.2", interface: "em2"),
            to: endpoint("ct1", "192.0.2.11"),
            in: topology
        )
        #expect(shape(viaEm2).first == "host:em2 route-lookup")
        #expect(shape(viaEm2).dropFirst().first == "ext:sw0-p2 veth-peer")
        #expect(shape(viaEm2).last == "ct1:eth0 veth-peer")
        #expect(viaEm2.reachable)
    }

    @Test("host to the macvlan child through br0, its parent, is blocked by design")
    func macvlanParentBlocked() throws {
        let lab = try NamespaceLab()
        defer { lab.tearDown() }
        let path = PathFinder.path(
            from: endpoint("host", "198.51.100.1"),
            to: endpoint("ct3", "198.51.100.13"),
            in: try lab.capture()
        )
        #expect(shape(path) == ["host:br0 route-lookup", "ct3:eth0 macvlan-child"])
        #expect(path.blockedHop?.blockedByDesign == true)
        #expect(!path.reachable)
    }

    @Test("iptables FORWARD drop with bridge-nf-call-iptables in the host shows on the bridging hop")
    func netfilterOnBridge() throws {
        let lab = try NamespaceLab()
        defer { lab.tearDown() }
        let host = "\(lab.prefix)-h"
        try ExternalCommand.check(["ip", "netns", "exec", host, "iptables", "-P", "FORWARD", "DROP"])
        try ExternalCommand.check([
            "ip", "netns", "exec", host, "sysctl", "-qw", "net.bridge.bridge-nf-call-iptables=1",
        ])
        var path = PathFinder.path(
            from: endpoint("ct1", "192.0.2.11"),
            to: endpoint("ct2", "192.0.2.12"),
            in: try lab.capture()
        )
        let settings = NodeKernelSettings(
            sysctls: try SysctlReader.read(in: .named(host)),
            netfilter: try NetfilterReader.read(in: .named(host))
        )
        path.addCautions(["host": settings])
        let bridging = try #require(path.hops.first { $0.direction == .bridging })
        #expect(
            bridging.cautions == [
                "ip filter FORWARD (hook forward) can drop bridged IPv4 (bridge-nf-call-iptables=1): policy drop"
            ]
        )
    }
}
