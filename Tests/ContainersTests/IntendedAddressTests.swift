import Containers
import LinuxNet
import NetworkModel
import PacketCodec
import Testing
import Topology

/// A namespace named `name` with one up interface `eth0` (MAC `mac`, address `cidr` if any) and neighbour entries
/// `(address, mac)` on it.
private func namespace(
    _ name: String,
    mac: String,
    cidr: String? = nil,
    neighbours: [(String, String)] = []
) -> NamespaceSnapshot {
    var snapshot = NamespaceSnapshot(node: NetworkNode(name: name, kind: .netns))
    var link = Link(index: 2, name: "eth0", kind: .veth, mtu: 1500)
    link.mac = MACAddress(mac)
    link.isUp = true
    snapshot.links.append(link)
    let reference = LinkReference(node: name, index: 2, name: "eth0")
    if let network = cidr.flatMap(IPv4Network.init) {
        snapshot.addresses.append(
            AddressAssignment(interface: reference, address: network.address, prefixLength: network.prefixLength)
        )
    }
    for (address, neighbourMAC) in neighbours {
        snapshot.neighbours.append(
            NeighbourEntry(
                interface: reference,
                address: IPv4Address(address)!,
                mac: MACAddress(neighbourMAC),
                state: .stale
            )
        )
    }
    return snapshot
}

@Suite("A target that lost its address resolves to its declared or last-known one, saying where it came from")
struct IntendedAddressTests {
    private static let config = LXCConfig.parse(
        """
        lxc.net.0.type = veth
        lxc.net.0.link = br0
        lxc.net.0.name = eth0
        lxc.net.0.ipv4.address = 203.0.113.11/24
        """,
        file: "/srv/lxc/web/config"
    )

    private let resolver = EndpointResolver(
        hostNamespace: .current,
        registry: EndpointRegistry(endpoints: [
            RegisteredEndpoint(name: "ext", kind: "netns", netns: "t-ext", interface: "eth0"),
            RegisteredEndpoint(name: "db", kind: "netns", netns: "t-db", ip: IPv4Address(203, 0, 113, 12)),
        ]),
        inventory: ContainerInventory(
            containers: [
                LXCContainer(name: "web", lxcpath: "/srv/lxc", config: config, initPid: 5001),
                LXCContainer(name: "cache", initPid: 5002),
            ],
            namedNamespaces: ["t-db", "t-ext"]
        )
    )

    /// Every target lost its address; ext's neighbour table still maps 203.0.113.13 to cache's MAC.
    private let snapshots = RecordedSnapshots(byPath: [
        "current": namespace("host", mac: "02:00:00:00:00:e2", cidr: "203.0.113.2/24"),
        "/run/netns/t-ext": namespace(
            "ext",
            mac: "02:00:00:00:00:0e",
            cidr: "203.0.113.1/24",
            neighbours: [("203.0.113.13", "02:00:00:00:01:03")]
        ),
        "/run/netns/t-db": namespace("db", mac: "02:00:00:00:01:02"),
        "/proc/5001/ns/net": namespace("web", mac: "02:00:00:00:01:01"),
        "/proc/5002/ns/net": namespace("cache", mac: "02:00:00:00:01:03"),
    ])

    private var everything: [NamespaceSnapshot] { Array(snapshots.byPath.values) }

    @Test("the endpoint file's ip")
    func endpointFile() throws {
        let db = try resolver.resolve("db", snapshots: snapshots, elsewhere: everything)
        #expect(db.ip == IPv4Address(203, 0, 113, 12))
        #expect(db.interface == "eth0")
        #expect(db.addressOrigin == "the endpoint file")
    }

    @Test("the LXC config's lxc.net.0.ipv4.address")
    func lxcConfig() throws {
        let web = try resolver.resolve("web", snapshots: snapshots, elsewhere: everything)
        #expect(web.ip == IPv4Address(203, 0, 113, 11))
        #expect(web.addressOrigin == "lxc.net.0.ipv4.address in /srv/lxc/web/config")
    }

    @Test("a neighbour entry elsewhere mapping an address to the interface's MAC")
    func neighbour() throws {
        let cache = try resolver.resolve("cache", snapshots: snapshots, elsewhere: everything)
        #expect(cache.ip == IPv4Address(203, 0, 113, 13))
        #expect(
            cache.addressOrigin?.hasPrefix("a neighbour entry in ext (203.0.113.13 lladdr 02:00:00:00:01:03") == true
        )
        // Without the other namespaces there is nothing to go on.
        #expect(try resolver.resolve("cache", snapshots: snapshots).ip == nil)
    }

    @Test("an address the interface holds has no origin to explain")
    func held() throws {
        let ext = try resolver.resolve("ext", snapshots: snapshots, elsewhere: everything)
        #expect(ext.ip == IPv4Address(203, 0, 113, 1))
        #expect(ext.addressOrigin == nil)
    }

    @Test(
        "ip:ADDR that nobody holds resolves to the interface that should hold it",
        arguments: [
            ("203.0.113.12", "db", "the endpoint file"),
            ("203.0.113.11", "web", "lxc.net.0.ipv4.address in /srv/lxc/web/config"),
            (
                "203.0.113.13", "cache",
                "a neighbour entry in ext (203.0.113.13 lladdr 02:00:00:00:01:03) naming cache:eth0's MAC"
            ),
        ]
    )
    func unheldAddress(address: String, node: String, origin: String) throws {
        let resolved = try resolver.resolve("ip:\(address)", snapshots: snapshots, elsewhere: everything)
        #expect(resolved.endpoint == "ip:\(address)")
        #expect(resolved.node == node)
        #expect(resolved.interface == "eth0")
        #expect(resolved.ip == IPv4Address(address))
        #expect(resolved.addressOrigin == origin)
    }

    @Test("ip:ADDR that nobody holds, declares or caches is still an error naming what was searched")
    func unknownAddress() {
        #expect {
            try resolver.resolve("ip:203.0.113.99", snapshots: snapshots, elsewhere: everything)
        } throws: { error in
            (error as? EndpointError)?.description
                == "endpoint 'ip:203.0.113.99': no known namespace holds that address (searched: host, ext, db, web, "
                + "cache)"
        }
    }
}

@Suite("Node names are unique across namespaces")
struct UniqueNodeNameTests {
    private static func resolver(_ containers: [LXCContainer], registered: [RegisteredEndpoint]) -> EndpointResolver {
        EndpointResolver(
            hostNamespace: .current,
            registry: EndpointRegistry(endpoints: registered),
            inventory: ContainerInventory(containers: containers, namedNamespaces: ["a-ct1", "ct1"])
        )
    }

    @Test("a second ct1 (a container, a netns named ct1) is qualified; the registered one keeps the short name")
    func qualified() throws {
        let resolver = Self.resolver(
            [LXCContainer(name: "ct1", initPid: 6001)],
            registered: [RegisteredEndpoint(name: "ct1", kind: "netns", netns: "a-ct1")]
        )
        let names = resolver.searchTargets().map(\.node.name)
        #expect(names == ["host", "ct1", "ct1@lxc", "a-ct1", "ct1@ct1"])
        #expect(Set(resolver.topologyTargets().map(\.name)).count == names.count)
        // The qualified names are endpoints; the short one is the endpoint file's.
        #expect(try resolver.target("ct1@lxc").namespace == .pid(6001))
        #expect(try resolver.target("ct1@ct1").namespace == .named("ct1"))
        #expect(try resolver.target("ct1").namespace == .named("a-ct1"))
    }

    @Test("a container name under two lxcpaths is ambiguous: one line listing both, a usage error")
    func ambiguous() {
        let resolver = Self.resolver(
            [
                LXCContainer(name: "ct7", lxcpath: "/var/lib/lxc", initPid: 7001),
                LXCContainer(name: "ct7", lxcpath: "/srv/lxc", initPid: 7002),
            ],
            registered: []
        )
        #expect {
            try resolver.target("ct7")
        } throws: { error in
            guard let error = error as? EndpointError else { return false }
            return error.isUsageError
                && error.description
                    == "endpoint 'ct7' names several containers (ct7 in /var/lib/lxc, ct7 in /srv/lxc); name one "
                    + "with pid:PID or register it in the endpoint file"
        }
    }
}
