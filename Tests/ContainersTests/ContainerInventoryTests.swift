import Containers
import Glibc
import LinuxNet
import Testing

@Suite("Finding real LXC containers", .enabled(if: getuid() == 0, "needs root"))
struct ContainerInventoryTests {
    @Test("a container started from another namespace is found by name, with its config's declared network")
    func containerFromAnotherNamespace() throws {
        let container = try TestContainer(extraConfig: "lxc.net.0.ipv4.address = 192.0.2.40/24\n")
        defer { container.tearDown() }
        // lxc-info from here cannot see it: its command socket lives in the other namespace.
        let here = try ExternalCommand.run(["lxc-info", "-n", container.name, "-s", "-H"])
        #expect(!here.standardOutput.contains("RUNNING"))

        let inventory = ContainerInventory.scan()
        let found = try #require(inventory.container(named: container.name))
        #expect(found.initPid != nil)
        #expect(found.initPid == (try container.initPidFromLXC()))
        #expect(found.lxcpath == "/var/lib/lxc")
        let network = try #require(found.declaredNetworks.first)
        #expect(network.type == "veth")
        #expect(network.link == "br0")
        #expect(network.name == "eth0")
        #expect(network.ipv4Addresses == ["192.0.2.40/24"])
        #expect(inventory.namedNamespaces.contains(container.hostNamespace))

        // The endpoint is the container's own namespace: not the test's, not the one it was started from.
        let resolver = EndpointResolver(
            hostNamespace: .current,
            registry: .init(endpoints: []),
            inventory: inventory
        )
        let target = try resolver.target(container.name)
        let identity = try target.namespace.identity()
        #expect(identity != (try NetworkNamespace.current.identity()))
        #expect(identity != (try NetworkNamespace.named(container.hostNamespace).identity()))
        #expect(target.node.kind == .lxc)
    }

    @Test("a defined but stopped container is listed and refused as an endpoint with a clear reason")
    func stoppedContainer() throws {
        let container = try TestContainer()
        defer { container.tearDown() }
        try ExternalCommand.check([
            "ip", "netns", "exec", container.hostNamespace, "lxc-stop", "-n", container.name, "-k",
        ])
        let inventory = ContainerInventory.scan()
        let found = try #require(inventory.container(named: container.name))
        #expect(!found.isRunning)
        let resolver = EndpointResolver(hostNamespace: .current, registry: .init(endpoints: []), inventory: inventory)
        let error = #expect(throws: EndpointError.self) { try resolver.target(container.name) }
        #expect(error?.kind == .notRunning)
    }
}
