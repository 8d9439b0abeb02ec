import Containers
import Glibc
import LinuxNet
import NetworkModel
import PacketCodec
import Testing

@Suite("Resolving endpoints against real namespaces through rtnetlink", .enabled(if: getuid() == 0, "needs root"))
struct ResolverInNamespacesTests {
    @Test("netns:, a registered name, ip: and iface: resolve to the interfaces and MACs the kernel reports")
    func resolvesLiveNamespaces() throws {
        let tag = String(UInt32.random(in: 0..<UInt32.max), radix: 36)
        let (left, right) = ("lxcdiag-t\(tag)-l", "lxcdiag-t\(tag)-r")
        defer {
            _ = try? ExternalCommand.run(["ip", "netns", "del", left])
            _ = try? ExternalCommand.run(["ip", "netns", "del", right])
        }
        try ExternalCommand.check(["ip", "netns", "add", left])
        try ExternalCommand.check(["ip", "netns", "add", right])
        try ExternalCommand.check([
            "ip", "-n", left, "link", "add", "va", "address", "02:00:00:00:aa:01", "type", "veth", "peer", "name",
            "vb", "address", "02:00:00:00:aa:02", "netns", right,
        ])
        try ExternalCommand.check(["ip", "-n", left, "addr", "add", "203.0.113.1/24", "dev", "va"])
        try ExternalCommand.check(["ip", "-n", right, "addr", "add", "203.0.113.2/24", "dev", "vb"])
        try ExternalCommand.check(["ip", "-n", left, "link", "set", "va", "up"])
        try ExternalCommand.check(["ip", "-n", right, "link", "set", "vb", "up"])

        let resolver = EndpointResolver(
            hostNamespace: .named(left),
            registry: EndpointRegistry(endpoints: [RegisteredEndpoint(name: "far", kind: "netns", netns: right)]),
            inventory: ContainerInventory.scan()
        )
        let snapshots = RtnetlinkSnapshots()
        let host = try resolver.resolve("host", snapshots: snapshots)
        #expect(host.namespace == .named(left))
        #expect(host.interface == "va")
        #expect(host.ip == IPv4Address(203, 0, 113, 1))
        #expect(host.mac == MACAddress("02:00:00:00:aa:01"))
        let far = try resolver.resolve("far", snapshots: snapshots)
        #expect(far.node == "far")
        #expect(far.interface == "vb")
        #expect(far.mac == MACAddress("02:00:00:00:aa:02"))
        let byNetns = try resolver.resolve("netns:\(right)", snapshots: snapshots)
        #expect(byNetns.interface == "vb")
        let iface = try resolver.resolve("iface:va", snapshots: snapshots)
        #expect(iface.ip == IPv4Address(203, 0, 113, 1))
        let missing = #expect(throws: EndpointError.self) { try resolver.resolve("iface:em9", snapshots: snapshots) }
        #expect(missing?.description.contains("interfaces: lo, va") == true)
    }
}
