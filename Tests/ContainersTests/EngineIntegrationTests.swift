import Containers
import Foundation
import Glibc
import LinuxNet
import PacketCodec
import TestSupport
import Testing
import Topology

/// Real engines, each run inside a namespace of its own (see EngineDaemon), found by lxcdiag from their state.
@Suite("Finding real engine containers", .serialized, .enabled(if: getuid() == 0, "needs root"))
struct EngineIntegrationTests {
    /// The container's namespace as the engine itself reports its process.
    private func processNamespace(_ engine: EngineDaemon, _ name: String) throws -> NamespaceIdentity {
        let pid = try #require(Int32(try engine.run(["inspect", "-f", "{{.State.Pid}}", name])))
        return try NetworkNamespace.pid(pid).identity()
    }

    private func checkFound(_ engine: EngineDaemon, bridgeDevice: String) throws {
        let inventory = ContainerInventory.scan(lxcpath: "\(engine.runRoot)/no-lxc", engines: try engine.locations())
        let prefix = engine.kind.rawValue
        let running = inventory.runningEngineContainers.map(\.endpointName)
        #expect(running == ["\(prefix):db", "\(prefix):web"])
        #expect(inventory.engineContainers.map(\.endpointName).contains("\(prefix):idle"))
        let resolver = EndpointResolver(hostNamespace: .current, registry: .init(endpoints: []), inventory: inventory)

        for name in ["web", "db"] {
            let target = try resolver.target("\(prefix):\(name)")
            #expect(target.node.kind == .container)
            #expect(try target.namespace.identity() == (try processNamespace(engine, name)), "\(prefix):\(name)")
            // The engine's namespace file is the one used: Docker's under the exec root, Podman's /run/netns.
            let expectedFolder = engine.kind == .docker ? "\(engine.runRoot)/exec/netns/" : "/run/netns/netns-"
            #expect(target.namespace.filePath?.hasPrefix(expectedFolder) == true, "\(target.namespace)")
        }
        let web = try #require(inventory.engineContainers.first { $0.name == "web" })
        #expect(web.networks.map(\.driver) == ["bridge", "macvlan"])
        #expect(web.networks.map(\.hostInterface) == [bridgeDevice, "br0"])
        #expect(web.networks.last?.ipv4 == IPv4Network("10.234.2.10/24"))

        // What topo and trace read: the container's own interfaces, its macvlan on the lab namespace's br0.
        let resolved = try resolver.resolve("\(prefix):db", snapshots: RtnetlinkSnapshots())
        #expect(resolved.ip == IPv4Address("10.234.2.20") && resolved.interface == "eth0")
        let topology = try HostTopology.capture(resolver.topologyTargets())
        let db = try #require(topology.namespaces.first { $0.node.name == "\(prefix):db" })
        #expect(db.node.kind == .container)
        let macvlan = try #require(db.links.first { $0.name == "eth0" })
        #expect(macvlan.kind == .macvlan)
        #expect(topology.namespaces.contains { $0.node.name == "\(prefix):web" })

        // ip:ADDR finds the holder among engine containers too.
        let holder = try resolver.target("ip:10.234.2.10", snapshots: RtnetlinkSnapshots())
        #expect(holder.node.name == "\(prefix):web")
    }

    private func wire(_ engine: EngineDaemon, bridgeNetwork: String) throws {
        try engine.run(["network", "create", "-d", "macvlan", "--subnet", "10.234.2.0/24", "-o", "parent=br0", "lxmv"])
        try engine.start("web", options: ["--network", bridgeNetwork])
        try engine.run(["network", "connect", "--ip", "10.234.2.10", "lxmv", "web"])
        try engine.start("db", options: ["--network", "lxmv", "--ip", "10.234.2.20"])
        try engine.run(["create", "--name", "idle", "--network", "none", engine.image, "/bin/sleep", "1"])
    }

    @Test(
        "Docker: dockerd in a lab namespace; its containers found by name with their sandboxes and networks",
        .enabled(if: EngineDaemon.isInstalled(.docker), "Debian's docker.io is not installed")
    )
    func docker() throws {
        // One engine test at a time across suites: their leftover checks look at global state.
        try withEngineTestLock { try dockerLocked() }
    }

    private func dockerLocked() throws {
        let before = RootNamespaceState.read()
        do {
            let engine = try EngineDaemon(.docker)
            defer { engine.tearDown() }
            try wire(engine, bridgeNetwork: "bridge")
            try checkFound(engine, bridgeDevice: "docker0")
        }
        // dockerd set FORWARD to DROP and ip_forward=1 in its own namespace only.
        #expect(RootNamespaceState.read() == before)
    }

    @Test(
        "Podman: podman with runc and netavark in a lab namespace; its containers found with their netns files",
        .enabled(if: EngineDaemon.isInstalled(.podman), "podman and runc are not installed")
    )
    func podman() throws {
        // One engine test at a time across suites: their leftover checks look at global state.
        try withEngineTestLock { try podmanLocked() }
    }

    private func podmanLocked() throws {
        let before = RootNamespaceState.read()
        do {
            let engine = try EngineDaemon(.podman)
            defer { engine.tearDown() }
            // Podman's default network is 10.88.0.0/16: the test names its own.
            try engine.run(["network", "create", "--subnet", "10.234.1.0/24", "lxbr"])
            let bridge = try engine.run(["network", "inspect", "-f", "{{.NetworkInterface}}", "lxbr"])
            try wire(engine, bridgeNetwork: "lxbr")
            try checkFound(engine, bridgeDevice: bridge)
        }
        #expect(RootNamespaceState.read() == before)
    }

    @Test(
        "LXD 5: lxd in a lab namespace from a preseed; its containers found by their monitors, NICs from backup.yaml",
        .enabled(if: EngineDaemon.isInstalled(.lxd), "lxd is not installed")
    )
    func lxd() throws {
        // One engine test at a time across suites: their leftover checks look at global state.
        try withEngineTestLock { try lxdLocked() }
    }

    private func lxdLocked() throws {
        let before = RootNamespaceState.read()
        do {
            let engine = try EngineDaemon(.lxd)
            defer { engine.tearDown() }
            try engine.run(["launch", engine.image, "c1"])
            try engine.run([
                "config", "device", "add", "c1", "eth1", "nic", "nictype=macvlan", "parent=br0", "name=eth1",
            ])
            try engine.run(["init", engine.image, "idle"])
            let pid = try #require(Int32(try engine.run(["list", "c1", "-c", "p", "--format", "csv"])))

            let inventory = ContainerInventory.scan(
                lxcpath: "\(engine.runRoot)/no-lxc",
                engines: try engine.locations()
            )
            #expect(inventory.runningEngineContainers.map(\.endpointName) == ["lxd:c1"])
            // LXD's containers are not offered a second time as plain LXC ones.
            #expect(!inventory.containers.contains { $0.name == "c1" })
            let resolver = EndpointResolver(
                hostNamespace: .current,
                registry: .init(endpoints: []),
                inventory: inventory
            )
            let target = try resolver.target("lxd:c1")
            #expect(target.node.kind == .container)
            #expect(try target.namespace.identity() == (try NetworkNamespace.pid(pid).identity()))
            let c1 = try #require(inventory.engineContainers.first)
            #expect(c1.networks.map(\.driver) == ["bridge", "macvlan"])
            #expect(c1.networks.map(\.hostInterface) == ["lxebr0", "br0"])
            let topology = try HostTopology.capture(resolver.topologyTargets())
            let node = try #require(topology.namespaces.first { $0.node.name == "lxd:c1" })
            #expect(node.links.first { $0.name == "eth1" }?.kind == .macvlan)
            #expect(node.links.first { $0.name == "eth1" }?.mac == c1.networks.last?.mac)
        }
        #expect(RootNamespaceState.read() == before)
    }
}
