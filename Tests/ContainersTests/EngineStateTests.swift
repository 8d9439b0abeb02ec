import Foundation
import LinuxNet
import PacketCodec
import Testing
import Topology

@testable import Containers

/// The engines' state files recorded in Fixtures/ (see Fixtures/README.md).
enum EngineFixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Fixtures"
    ).path

    static var podman: PodmanEngine.Paths {
        PodmanEngine.Paths(
            storage: "\(directory)/podman/storage",
            run: "\(directory)/podman/run",
            networks: "\(directory)/podman/networks"
        )
    }
}

@Suite("Engine state files")
struct EngineStateTests {
    @Test("Docker: each container's name, state, sandbox and networks, drivers and parents from local-kv.db")
    func docker() throws {
        let found = DockerEngine.scan(dataRoot: "\(EngineFixtures.directory)/docker")
        #expect(found.map(\.name) == ["db", "stopped", "web"])
        let web = try #require(found.first { $0.name == "web" })
        #expect(web.engine == .docker && web.endpointName == "docker:web")
        #expect(web.id == "e18371357120d80e217408a76b55c6948a45177c60619faae6976a6ed4ee4a06")
        #expect(web.pid == 12626)
        #expect(web.namespaceFile == "/run/lxe-docker/netns/62a4957b4b56")
        #expect(web.namespace == .path("/run/lxe-docker/netns/62a4957b4b56"))
        #expect(
            web.networks == [
                EngineNetwork(
                    name: "bridge",
                    driver: "bridge",
                    hostInterface: "docker0",
                    mac: MACAddress("02:42:0a:ea:01:02"),
                    ipv4: IPv4Network("10.234.1.2/24")
                ),
                EngineNetwork(
                    name: "lxe-mv",
                    driver: "macvlan",
                    hostInterface: "br0",
                    mac: MACAddress("02:42:0a:ea:02:0a"),
                    ipv4: IPv4Network("10.234.2.10/24")
                ),
            ]
        )
        let stopped = try #require(found.first { $0.name == "stopped" })
        #expect(!stopped.isRunning && stopped.namespace == nil)
        #expect(stopped.networks.map(\.driver) == ["null"])
    }

    @Test("Docker's key-value store: networks by id, with the bridge's name and the macvlan's parent")
    func dockerNetworks() throws {
        let bytes = [UInt8](
            try Data(contentsOf: URL(fileURLWithPath: "\(EngineFixtures.directory)/docker/network/files/local-kv.db"))
        )
        let records = DockerEngine.networkRecords(keyValueStore: bytes)
        let byName = Dictionary(records.values.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        #expect(byName["bridge"] == .init(name: "bridge", driver: "bridge", hostInterface: "docker0"))
        #expect(byName["lxe-mv"] == .init(name: "lxe-mv", driver: "macvlan", hostInterface: "br0"))
        #expect(byName["host"]?.driver == "host" && byName["none"]?.driver == "null")
        #expect(records.count == 4)
    }

    @Test("bolt values are found whole: nested objects, braces in strings; page bytes end a candidate")
    func jsonInBolt() {
        let text =
            "\u{1}\u{0}{\"a\":{\"b\":\"}{\"},\"c\":[1,{\"d\":2}]}\u{0}\u{7}{\"broken\":\"x\u{1}\"}{\"e\":\"é\"}{\"open\":"
        let objects = EngineStateJSON.objects(in: Array(text.utf8))
        #expect(objects.count == 2)
        #expect((objects.first?["a"] as? [String: Any])?["b"] as? String == "}{")
        #expect(objects.last?["e"] as? String == "é")
    }

    @Test("Podman: names from containers.json, netns from the OCI spec, pid from the pidfile, networks from bolt")
    func podman() throws {
        let found = PodmanEngine.scan(EngineFixtures.podman, isAlive: { _ in true })
        #expect(found.map(\.endpointName) == ["podman:db", "podman:mv1", "podman:stopped"])
        let db = try #require(found.first)
        #expect(db.pid == 13803)
        #expect(db.namespaceFile == "/run/netns/netns-bc2a60c7-1fb6-1071-eb3d-e3d7f7cae2dc")
        #expect(
            db.networks == [
                EngineNetwork(
                    name: "lxe-pbr",
                    driver: "bridge",
                    interface: "eth0",
                    hostInterface: "podman1",
                    mac: MACAddress("72:0b:7c:c0:2e:2d"),
                    ipv4: IPv4Network("10.235.1.2/24")
                )
            ]
        )
        let macvlan = try #require(found.first { $0.name == "mv1" }?.networks.first)
        #expect(macvlan.driver == "macvlan" && macvlan.hostInterface == "br0")
        #expect(macvlan.ipv4 == IPv4Network("10.235.2.10/24"))
        #expect(found.last?.isRunning == false)
    }

    @Test("Podman: a pidfile whose process is gone is a stopped container, with no namespace file")
    func podmanExited() {
        let found = PodmanEngine.scan(EngineFixtures.podman, isAlive: { _ in false })
        #expect(found.count == 3)
        #expect(found.allSatisfy { !$0.isRunning && $0.namespaceFile == nil })
    }

    @Test("Podman's bolt state: every container's networks; a stale copy of a running state does not win")
    func podmanStaleState() throws {
        let path = "\(EngineFixtures.podman.storage)/libpod/bolt_state.db"
        let statuses = PodmanEngine.networkStatuses(
            boltState: [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        )
        #expect(statuses.count == 3)
        let mv1 = statuses["ff39892ec3c6c76d4e3a0a914a39f7bd770e325752dd7c1f0b6a01f432ed4905"]
        #expect(mv1?.map(\.network) == ["lxe-pmv"])

        func state(_ state: Int, network: String) -> String {
            #"{"state":\#(state),"runDir":"/run/c/overlay-containers/abc/userdata","networkStatus":{"\#(network)":"#
                + #"{"interfaces":{"eth0":{"subnets":[{"ipnet":"10.0.0.2/24"}],"mac_address":"02:00:00:00:00:01"}}}}}"#
        }
        let pages = state(3, network: "now") + "\u{0}\u{0}" + state(2, network: "before")
        let chosen = PodmanEngine.networkStatuses(boltState: Array(pages.utf8))["abc"]
        #expect(
            chosen == [
                .init(
                    network: "now",
                    interface: "eth0",
                    mac: MACAddress("02:00:00:00:00:01"),
                    ipv4: IPv4Network("10.0.0.2/24")
                )
            ]
        )
    }

    @Test("Proxmox: netN lines of /etc/pve/lxc/VMID.conf, snapshots ignored, running CTs by VMID")
    func proxmox() throws {
        let found = ProxmoxEngine.scan(directory: "\(EngineFixtures.directory)/proxmox", running: ["101": 4242])
        #expect(found.map(\.endpointName) == ["pve:101", "pve:202"])
        let web = try #require(found.first)
        #expect(web.pid == 4242 && web.namespace == .pid(4242))
        #expect(
            web.networks == [
                EngineNetwork(
                    name: "vmbr0",
                    driver: "veth",
                    interface: "eth0",
                    hostInterface: "vmbr0",
                    mac: MACAddress("bc:24:11:2a:5b:1c"),
                    ipv4: IPv4Network("192.0.2.50/24")
                ),
                EngineNetwork(
                    name: "vmbr1",
                    driver: "veth",
                    interface: "eth1",
                    hostInterface: "vmbr1",
                    mac: MACAddress("bc:24:11:7f:00:02")
                ),
            ]
        )
        #expect(found.last?.isRunning == false)
        #expect(ProxmoxEngine.container(vmid: "web", config: "", source: "x", pid: nil) == nil)
    }

    @Test("LXD: its lxcpath tells its containers from plain LXC ones; networks from the lxc.conf it wrote")
    func lxd() throws {
        #expect(LXDEngine.installation(forLXCPath: "/var/lib/lxd/containers/")?.logs == "/var/log/lxd")
        #expect(LXDEngine.installation(forLXCPath: "/var/lib/lxc") == nil)
        let conf = """
            lxc.uts.name = c1
            lxc.net.0.type = veth
            lxc.net.0.link = lxdbr0
            lxc.net.0.hwaddr = 00:16:3e:aa:bb:cc
            lxc.net.0.name = eth0
            lxc.net.0.flags = up
            """
        let container = LXDEngine.container(
            name: "c1",
            pid: 77,
            lxcConf: conf,
            backupYAML: nil,
            source: "/var/log/lxd/c1/lxc.conf"
        )
        #expect(container.endpointName == "lxd:c1" && container.namespace == .pid(77))
        #expect(
            container.networks == [
                EngineNetwork(
                    name: "lxdbr0",
                    driver: "veth",
                    interface: "eth0",
                    hostInterface: "lxdbr0",
                    mac: MACAddress("00:16:3e:aa:bb:cc")
                )
            ]
        )
    }

    @Test("LXD 5: NICs from backup.yaml's expanded_devices (network or macvlan parent), MACs from lxc.conf")
    func lxdRecorded() throws {
        let installation = LXDEngine.installation(lxdDirectory: "\(EngineFixtures.directory)/lxd")
        let container = LXDEngine.container(name: "c1", pid: 26453, installation: installation)
        #expect(container.endpointName == "lxd:c1")
        #expect(
            container.networks == [
                EngineNetwork(
                    name: "lxebr0",
                    driver: "bridge",
                    interface: "eth0",
                    hostInterface: "lxebr0",
                    mac: MACAddress("00:16:3e:94:9b:41")
                ),
                EngineNetwork(
                    name: "br0",
                    driver: "macvlan",
                    interface: "eth1",
                    hostInterface: "br0",
                    mac: MACAddress("00:16:3e:29:e6:31")
                ),
            ]
        )
    }

    @Test("a registration file adds a daemon's data root to the default locations, once")
    func registration() throws {
        let directory = NSTemporaryDirectory() + "lxcdiag-engines-\(UInt32.random(in: 0..<UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try EngineRegistration(dockerDataRoot: "/srv/docker").save(name: "a", directory: directory)
        try EngineRegistration(dockerDataRoot: "/srv/docker", podmanStorage: "/srv/podman").save(
            name: "b",
            directory: directory
        )
        try Data("{".utf8).write(to: URL(fileURLWithPath: "\(directory)/broken.json"))
        let text = try String(contentsOfFile: "\(directory)/a.json", encoding: .utf8)
        #expect(text.contains("\"docker_data_root\""))
        let locations = EngineLocations.standard.adding(registrationsIn: directory)
        #expect(locations.dockerDataRoots == ["/var/lib/docker", "/srv/docker"])
        #expect(locations.podman.map(\.storage) == ["/var/lib/containers/storage", "/srv/podman"])
        #expect(locations.podman.last?.run == "/run/containers/storage")
        EngineRegistration.remove(name: "a", directory: directory)
        #expect(!FileManager.default.fileExists(atPath: "\(directory)/a.json"))
    }
}

@Suite("Engine containers as endpoints")
struct EngineEndpointTests {
    let inventory = ContainerInventory(
        containers: [LXCContainer(name: "101", lxcpath: "/var/lib/lxc", initPid: 4242)],
        engineContainers: DockerEngine.scan(dataRoot: "\(EngineFixtures.directory)/docker")
            + ProxmoxEngine.scan(directory: "\(EngineFixtures.directory)/proxmox", running: ["101": 4242]),
        namedNamespaces: []
    )

    var resolver: EndpointResolver {
        EndpointResolver(hostNamespace: .current, registry: .init(endpoints: []), inventory: inventory)
    }

    @Test("docker:NAME and a 12-digit id name the container's sandbox; its node is a container node")
    func dockerName() throws {
        let target = try resolver.target("docker:web")
        #expect(
            target.node
                == NetworkNode(
                    name: "docker:web",
                    kind: .container,
                    namespacePath: "/run/lxe-docker/netns/62a4957b4b56"
                )
        )
        #expect(target.namespace == .path("/run/lxe-docker/netns/62a4957b4b56"))
        let byID = try resolver.target("docker:e18371357120")
        #expect(byID.namespace == target.namespace)
    }

    @Test("a stopped engine container is refused as not running, an unknown one lists what exists")
    func refusals() {
        let stopped = #expect(throws: EndpointError.self) { try resolver.target("docker:stopped") }
        #expect(stopped?.kind == .notRunning)
        #expect(stopped?.description.hasSuffix("(start it with docker start stopped)") == true)
        let unknown = #expect(throws: EndpointError.self) { try resolver.target("docker:nope") }
        guard case .unknown(let known) = unknown?.kind else {
            Issue.record("docker:nope: \(String(describing: unknown))")
            return
        }
        #expect(known.contains("docker:web") && known.contains("docker:stopped (stopped)"))
        #expect(known.contains("pve:202 (stopped)"))
    }

    @Test("a Proxmox CT is searched under pve:VMID first, its LXC name then being the same namespace")
    func proxmoxBeforeLXC() {
        let names = resolver.searchTargets().map(\.node.name)
        #expect(names == ["host", "docker:db", "docker:web", "pve:101", "101"])
        let paths = resolver.searchTargets().filter { $0.node.name.hasSuffix("101") }.map(\.namespace.filePath)
        #expect(paths == ["/proc/4242/ns/net", "/proc/4242/ns/net"])
    }

    @Test("ip:ADDR nobody holds falls to the engine container whose record gives it, on the interface with its MAC")
    func intendedAddress() throws {
        let target = try resolver.target("docker:db")
        var eth0 = Link(index: 2, name: "eth0", kind: .macvlan, mtu: 1500)
        eth0.mac = MACAddress("02:42:0a:ea:02:02")
        let snapshot = NamespaceSnapshot(node: target.node, links: [eth0])
        let found = resolver.intendedHolder(of: IPv4Address("10.234.2.2")!, among: [(target, snapshot)])
        #expect(found?.0.interface == "eth0")
        #expect(found?.0.addressOrigin?.hasPrefix("docker's network lxe-mv in ") == true)
    }
}
