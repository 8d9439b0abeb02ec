import Containers
import ExpectedPath
import LinuxNet
import NetworkModel
import Topology

/// Both endpoints of a `--from`/`--to` command resolved against one topology snapshot, and the path a frame
/// between them should take. `path` and `trace` both start here.
struct EndpointPath {
    var topology: HostTopology
    /// The source as the resolver found it, named as the path names its node (`ext`, `host`, `ct1`).
    var source: ResolvedEndpoint
    /// The destination, which has an IPv4 address.
    var destination: ResolvedEndpoint
    var path: ExpectedPath

    /// Reads every namespace the resolver knows through rtnetlink, resolves `from` and `to` there, and walks
    /// the path. Throws `EndpointError`s for names that resolve to nothing, and `CommandFailure` (exit 3) when
    /// the destination has no address to send to.
    init(from: String, to: String, endpoints: EndpointOptions) throws {
        let resolver = try endpoints.resolver()
        topology = try HostTopology.capture(resolver.topologyTargets())
        let snapshots = CapturedSnapshots(topology: topology)
        source = try resolver.resolve(from, snapshots: snapshots)
        destination = try resolver.resolve(to, snapshots: snapshots)
        guard destination.ip != nil else {
            throw CommandFailure(
                message: "endpoint '\(to)' has no IPv4 address on \(destination.interface) to send to",
                status: .environment
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
            mac: endpoint.mac
        )
    }
}
