import Containers
import Glibc
import LinuxNet
import NetworkModel
import PacketCodec
import Testing
import Topology

/// Snapshots built in the test, keyed by the namespace's file (nil: the current namespace); shared by the
/// resolver suites of this target.
struct RecordedSnapshots: NamespaceSnapshotSource {
    var byPath: [String: NamespaceSnapshot]

    func snapshot(of namespace: NetworkNamespace, node: NetworkNode) throws -> NamespaceSnapshot {
        guard var snapshot = byPath[namespace.filePath ?? "current"] else {
            throw EndpointError(endpoint: "\(namespace)", kind: .noInterface)
        }
        snapshot.node = node
        return snapshot
    }
}

/// A namespace with loopback and the given interfaces, each `(name, mac, address/prefix)`; `defaultVia` names the
/// interface that holds the default route.
private func snapshot(_ interfaces: [(String, String, String?)], defaultVia: String? = nil) -> NamespaceSnapshot {
    let node = NetworkNode(name: "?", kind: .netns)
    var result = NamespaceSnapshot(node: node)
    var lo = Link(index: 1, name: "lo", kind: .loopback, mtu: 65_536)
    lo.isUp = true
    result.links.append(lo)
    result.addresses.append(
        AddressAssignment(
            interface: LinkReference(node: "?", index: 1, name: "lo"),
            address: IPv4Address(127, 0, 0, 1),
            prefixLength: 8,
            scope: "host"
        )
    )
    for (offset, (name, mac, address)) in interfaces.enumerated() {
        let index = Int32(offset + 2)
        var link = Link(index: index, name: name, kind: .veth, mtu: 1500)
        link.mac = MACAddress(mac)
        link.isUp = true
        result.links.append(link)
        let reference = LinkReference(node: "?", index: index, name: name)
        if let address, let network = IPv4Network(address) {
            result.addresses.append(
                AddressAssignment(interface: reference, address: network.address, prefixLength: network.prefixLength)
            )
        }
        if name == defaultVia {
            result.routes.append(
                Route(destination: .any, prefixLength: 0, gateway: IPv4Address(192, 0, 2, 1), interface: reference)
            )
        }
    }
    return result
}

@Suite("Resolving endpoint names")
struct EndpointResolverTests {
    private let resolver = EndpointResolver(
        hostNamespace: .current,
        registry: EndpointRegistry(endpoints: [
            RegisteredEndpoint(name: "ext", kind: "netns", netns: "lab-ext", interface: "eth0"),
            RegisteredEndpoint(name: "web", kind: "lxc", container: "ct2", ip: IPv4Address(198, 51, 100, 12)),
        ]),
        inventory: ContainerInventory(
            containers: [
                LXCContainer(name: "ct1", initPid: 4001),
                LXCContainer(name: "ct2", initPid: 4002),
                LXCContainer(name: "ct9", lxcpath: "/var/lib/lxc"),
            ],
            namedNamespaces: ["lab-ext", "other"]
        )
    )

    private let snapshots = RecordedSnapshots(byPath: [
        "current": snapshot(
            [("em1", "02:00:00:00:00:e1", nil), ("em2", "02:00:00:00:00:e2", "203.0.113.2/24")],
            defaultVia: "em2"
        ),
        "/run/netns/lab-ext": snapshot([("eth0", "02:00:00:00:00:0e", "192.0.2.1/24")]),
        "/proc/4001/ns/net": snapshot([("eth0", "02:00:00:00:01:01", "192.0.2.11/24")], defaultVia: "eth0"),
        "/proc/4002/ns/net": snapshot([
            ("eth0", "02:00:00:00:01:02", "192.0.2.12/24"), ("eth1", "02:00:00:00:02:02", "198.51.100.12/24"),
        ]),
        "/run/netns/other": snapshot([]),
    ])

    @Test("a container resolves to its init's namespace and its default-route interface")
    func container() throws {
        let ct1 = try resolver.resolve("ct1", snapshots: snapshots)
        #expect(
            ct1
                == ResolvedEndpoint(
                    endpoint: "ct1",
                    node: "ct1",
                    namespace: .pid(4001),
                    interface: "eth0",
                    ip: IPv4Address(192, 0, 2, 11),
                    mac: MACAddress("02:00:00:00:01:01")
                )
        )
    }

    @Test("host is the current namespace (or -n's); iface: picks the host interface named")
    func hostAndInterface() throws {
        let host = try resolver.resolve("host", snapshots: snapshots)
        #expect(host.node == "host")
        #expect(host.namespace == .current)
        #expect(host.interface == "em2")
        let em1 = try resolver.resolve("iface:em1", snapshots: snapshots)
        #expect(em1.interface == "em1")
        #expect(em1.ip == nil)
        #expect(em1.mac == MACAddress("02:00:00:00:00:e1"))
        let named = EndpointResolver(
            hostNamespace: .named("lab-ext"),
            registry: resolver.registry,
            inventory: resolver.inventory
        )
        #expect(try named.target("host").namespace == .named("lab-ext"))
        #expect(try named.target("host").node.namespacePath == "/run/netns/lab-ext")
    }

    @Test("a registered host (the lab's) is host without -n, pinning its interface; -n still wins")
    func registeredHost() throws {
        var registry = resolver.registry
        registry.endpoints.append(RegisteredEndpoint(name: "host", kind: "netns", netns: "lab-ext", interface: "eth0"))
        let lab = EndpointResolver(hostNamespace: .current, registry: registry, inventory: resolver.inventory)
        let host = try lab.target("host")
        #expect(host.namespace == .named("lab-ext"))
        #expect(host.node == NetworkNode(name: "host", kind: .host, namespacePath: "/run/netns/lab-ext"))
        #expect(host.interface == "eth0")
        #expect(try lab.target("iface:em9").namespace == .named("lab-ext"))
        #expect(lab.knownNames.filter { $0 == "host" }.count == 1)
        let overridden = EndpointResolver(
            hostNamespace: .named("other"),
            registry: registry,
            inventory: resolver.inventory
        )
        #expect(try overridden.target("host").namespace == .named("other"))
        #expect(try overridden.target("host").interface == nil)
    }

    @Test("registered endpoints keep their own name as node and their interface or address")
    func registered() throws {
        let ext = try resolver.resolve("ext", snapshots: snapshots)
        #expect(ext.node == "ext")
        #expect(ext.namespace == .named("lab-ext"))
        #expect(ext.interface == "eth0")
        #expect(ext.ip == IPv4Address(192, 0, 2, 1))
        let web = try resolver.resolve("web", snapshots: snapshots)
        #expect(web.namespace == .pid(4002))
        #expect(web.interface == "eth1")
    }

    @Test("netns:, pid: and ip: forms")
    func prefixedForms() throws {
        let ext = try resolver.resolve("netns:lab-ext", snapshots: snapshots)
        #expect(ext.node == "lab-ext")
        #expect(ext.interface == "eth0")
        let mine = try resolver.target("pid:\(getpid())")
        #expect(mine.namespace == .pid(getpid()))
        // ct2's namespace is registered as `web`; the registered name wins.
        let owner = try resolver.resolve("ip:192.0.2.12", snapshots: snapshots)
        #expect(owner.node == "web")
        #expect(owner.interface == "eth0")
        #expect(try resolver.target("ip:192.0.2.11", snapshots: snapshots).namespace == .pid(4001))
        #expect(owner.endpoint == "ip:192.0.2.12")
    }

    @Test("unknown names list what exists; stopped containers and bad forms say what is wrong")
    func errors() throws {
        let unknown = #expect(throws: EndpointError.self) { try resolver.target("ct7") }
        #expect(
            unknown?.description
                == "unknown endpoint 'ct7': known: ext, web, host, ct1, ct2, ct9 (stopped), netns:lab-ext, netns:other"
        )
        #expect(unknown?.isUsageError == true)
        let stopped = #expect(throws: EndpointError.self) { try resolver.target("ct9") }
        #expect(stopped?.kind == .notRunning)
        #expect(stopped?.isUsageError == false)
        let netns = #expect(throws: EndpointError.self) { try resolver.target("netns:gone") }
        #expect(netns?.description.contains("lab-ext, other") == true)
        #expect(throws: EndpointError.self) { try resolver.target("pid:abc") }
        let badIP = #expect(throws: EndpointError.self) { try resolver.resolve("ip:1.2.3", snapshots: snapshots) }
        #expect(badIP?.description.contains("IPv4 address") == true)
        let nobody = #expect(throws: EndpointError.self) {
            try resolver.resolve("ip:203.0.113.99", snapshots: snapshots)
        }
        #expect(nobody?.kind == .addressNotFound(searched: ["host", "ext", "web", "ct1", "other"]))
        let iface = #expect(throws: EndpointError.self) { try resolver.resolve("iface:em9", snapshots: snapshots) }
        #expect(iface?.description == "endpoint 'iface:em9': no interface em9 there; interfaces: lo, em1, em2")
        var duplicated = snapshots
        duplicated.byPath["/run/netns/other"] = snapshot([("eth9", "02:00:00:00:09:09", "192.0.2.11/24")])
        let ambiguous = #expect(throws: EndpointError.self) {
            try resolver.resolve("ip:192.0.2.11", snapshots: duplicated)
        }
        #expect(ambiguous?.kind == .ambiguousAddress(holders: ["ct1", "other"]))
        let empty = #expect(throws: EndpointError.self) { try resolver.resolve("netns:other", snapshots: snapshots) }
        #expect(empty?.kind == .noInterface)
    }
}
