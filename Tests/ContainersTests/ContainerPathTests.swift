import Containers
import ExpectedPath
import Glibc
import LinuxNet
import NetworkModel
import PacketCodec
import Testing
import Topology

@Suite("From the outside to a real LXC container", .enabled(if: getuid() == 0, "needs root"))
struct ContainerPathTests {
    @Test("ext -> em1 -> br0 -> the container's veth -> its eth0, with the container found by name")
    func extToContainer() throws {
        let container = try TestContainer(extraConfig: "lxc.net.0.ipv4.address = 192.0.2.40/24\n")
        defer { container.tearDown() }
        let ext = "\(container.hostNamespace)-e"
        defer { _ = try? ExternalCommand.run(["ip", "netns", "del", ext]) }
        try ExternalCommand.check(["ip", "netns", "add", ext])
        try ExternalCommand.check([
            "ip", "-n", ext, "link", "add", "eth0", "type", "veth", "peer", "name", "em1", "netns",
            container.hostNamespace,
        ])
        try ExternalCommand.check(["ip", "-n", ext, "addr", "add", "192.0.2.1/24", "dev", "eth0"])
        try ExternalCommand.check(["ip", "-n", ext, "link", "set", "eth0", "up"])
        try ExternalCommand.check(["ip", "-n", container.hostNamespace, "link", "set", "em1", "master", "br0"])
        try ExternalCommand.check(["ip", "-n", container.hostNamespace, "link", "set", "em1", "up"])

        let resolver = EndpointResolver(
            hostNamespace: .named(container.hostNamespace),
            registry: EndpointRegistry(endpoints: [RegisteredEndpoint(name: "ext", kind: "netns", netns: ext)]),
            inventory: ContainerInventory.scan()
        )
        let topology = try HostTopology.capture(resolver.topologyTargets())
        let snapshots = CapturedSnapshots(topology: topology)
        let source = try resolver.resolve("ext", snapshots: snapshots)
        let destination = try resolver.resolve(container.name, snapshots: snapshots)
        #expect(destination.ip == IPv4Address(192, 0, 2, 40))
        #expect(destination.interface == "eth0")
        #expect(destination.node == container.name)

        let checks = try #require(resolver.inventory.container(named: container.name))
            .checkDeclaredNetworks(in: topology, node: container.name)
        #expect(checks.map(\.problems) == [[]])

        let path = PathFinder.path(
            from: PathEndpoint(endpoint: "ext", node: "ext", interface: source.interface, ip: source.ip),
            to: PathEndpoint(
                endpoint: container.name,
                node: container.name,
                interface: destination.interface,
                ip: destination.ip
            ),
            in: topology
        )
        #expect(
            path.hops.map { "\($0.node):\($0.interface)" } == [
                "ext:eth0", "host:em1", "host:br0", "host:\(container.vethPair)", "\(container.name):eth0",
            ]
        )
        #expect(path.reachable)
    }
}
