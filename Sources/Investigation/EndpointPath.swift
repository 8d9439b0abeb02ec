package import Containers
package import ExpectedPath
import LinuxNet
package import NetworkModel
import PacketCodec
package import Topology

/// Both endpoints of a `--from`/`--to` command resolved against one topology snapshot, and the path a frame
/// between them should take. `path` and `trace` both start here.
package struct EndpointPath: Sendable {
    package var topology: HostTopology
    /// The source as the resolver found it, named as the path names its node (`ext`, `host`, `ct1`).
    package var source: ResolvedEndpoint
    /// The destination, which has an IPv4 address.
    package var destination: ResolvedEndpoint
    package var path: ExpectedPath
    /// The LXC containers the resolver knows, with their configs (the diagnosis rules read them).
    package var containers: [LXCContainer]
    /// The namespaces read for the path (the diagnosis reads them too: a macvlan child's parent lives in the
    /// host even when no capture point does).
    package var targets: [TopologyTarget]

    /// Which namespaces to read: all the resolver knows, or only the host, the endpoint file's entries and the
    /// two endpoints' own (enough for any path through the host; all are read again when the walk stops at a veth whose peer was not
    /// read).
    package enum Scope: Sendable {
        case everything
        case endpoints
    }

    /// Reads the namespaces `scope` names through rtnetlink, resolves `from` and `to` there, and walks the path.
    /// Throws `EndpointError`s for names that resolve to nothing, and `InvestigationError` (exit 3) when no
    /// address of the destination can be known at all (none held, declared or seen in a neighbour entry).
    package init(from: String, to: String, resolver: EndpointResolver, scope: Scope = .everything) throws {
        let all = resolver.searchTargets()
        var targets = all
        if scope == .endpoints, let ends = try? [from, to].map({ spec in try resolver.target(spec) }) {
            let registered = Set(resolver.registry.endpoints.map(\.name))
            let files = Set(ends.map { $0.namespace.filePath ?? "" })
            targets = all.enumerated().filter { index, target in
                index == 0 || registered.contains(target.endpoint) || files.contains(target.namespace.filePath ?? "")
            }.map(\.element)
        }
        self = try Self(from: from, to: to, resolver: resolver, targets: targets)
        // A walk that did not arrive may have stopped at a namespace left out (a veth whose peer was not read):
        // then read them all and walk again.
        let peerUnread = topology.namespaces.contains { $0.links.contains { $0.kind == .veth && $0.peer == nil } }
        if targets.count < all.count, !path.reachable, peerUnread {
            self = try Self(from: from, to: to, resolver: resolver, targets: all)
        }
    }

    /// `topology`, when given, is a snapshot of `targets` already taken (`check` shares one among expectations).
    package init(
        from: String,
        to: String,
        resolver: EndpointResolver,
        targets: [EndpointTarget],
        topology snapshot: HostTopology? = nil
    ) throws {
        containers = resolver.inventory.containers
        self.targets = targets.map { TopologyTarget(name: $0.node.name, kind: $0.node.kind, namespace: $0.namespace) }
        topology = try snapshot ?? HostTopology.capture(self.targets)
        let snapshots = CapturedSnapshots(topology: topology)
        source = try resolver.resolve(from, snapshots: snapshots)
        // A target that lost its address keeps its declared or last-known one: the walk and the probes go there
        // and the missing address becomes a finding at its interface.
        do {
            destination = try resolver.resolve(to, snapshots: snapshots, elsewhere: topology.namespaces)
        } catch let error as EndpointError {
            // `ip:ADDR` that nobody holds, declares or caches: the target is the segment the source's route points
            // at, and the walk says that nobody there holds it.
            guard case .addressNotFound = error.kind, to.hasPrefix("ip:"),
                let address = IPv4Address(String(to.dropFirst(3))),
                let start = try? Self.pathEndpoint(source, pinned: false, in: topology),
                let egress = PathFinder.egressInterface(from: start, toward: address, in: topology)
            else { throw error }
            destination = ResolvedEndpoint(
                endpoint: to,
                node: source.node,
                namespace: source.namespace,
                interface: egress,
                ip: address,
                mac: nil,
                addressOrigin: "the address given; no endpoint file entry, LXC config or neighbour entry names "
                    + "an interface that should hold it"
            )
        }
        guard destination.ip != nil else {
            throw InvestigationError(
                message: "endpoint '\(to)': \(destination.node):\(destination.interface) holds no IPv4 address and "
                    + "none is declared (endpoint file \"ip\", LXC lxc.net.N.ipv4.address, a neighbour entry); "
                    + "name the address with --to ip:ADDR or give the endpoint an \"ip\" in the endpoint file",
                kind: .environment
            )
        }
        let start = try Self.pathEndpoint(
            source,
            pinned: (try? resolver.target(from, snapshots: snapshots).interface) != nil,
            in: topology
        )
        let end = try Self.pathEndpoint(destination, pinned: false, in: topology)
        path = PathFinder.path(from: start, to: end, in: topology)
        source.node = start.node
        destination.node = end.node
    }

    /// The endpoint under the node name the capture gave its namespace (a netns registered as `ext` is `ext`).
    private static func pathEndpoint(
        _ endpoint: ResolvedEndpoint,
        pinned: Bool,
        in topology: HostTopology
    ) throws -> PathEndpoint {
        let inode = try endpoint.namespace.identity().inode
        let node = topology.namespaces.first { $0.node.namespaceInode == inode }?.node.name ?? endpoint.node
        return PathEndpoint(
            endpoint: endpoint.endpoint,
            node: node,
            interface: endpoint.interface,
            interfacePinned: pinned,
            ip: endpoint.ip,
            mac: endpoint.mac,
            addressOrigin: endpoint.addressOrigin
        )
    }
}
