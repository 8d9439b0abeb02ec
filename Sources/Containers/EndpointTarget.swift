public import LinuxNet
public import NetworkModel
public import PacketCodec
public import Topology

/// What an endpoint name stands for before its namespace is inspected: the node, its namespace, and the interface
/// or address the name fixes (a registered endpoint, `iface:NAME`, `ip:ADDR`).
public struct EndpointTarget: Sendable, Hashable {
    public var endpoint: String
    public var node: NetworkNode
    public var namespace: NetworkNamespace
    public var interface: String?
    public var ip: IPv4Address?

    public init(
        endpoint: String,
        node: NetworkNode,
        namespace: NetworkNamespace,
        interface: String? = nil,
        ip: IPv4Address? = nil
    ) {
        self.endpoint = endpoint
        self.node = node
        self.namespace = namespace
        self.interface = interface
        self.ip = ip
    }
}

/// Chooses the interface, address and MAC of an endpoint from its namespace's snapshot.
public enum EndpointInterfaceChoice {
    /// The interface: the one the target names, else the one holding the target's address, else the default
    /// route's, else the first up interface with an IPv4 address, else the first that is not loopback.
    public static func choose(
        for target: EndpointTarget,
        in snapshot: NamespaceSnapshot
    ) throws(EndpointError) -> (link: Link, ip: IPv4Address?) {
        let candidates = snapshot.links.filter { $0.kind != .loopback }
        func globalAddress(_ link: Link) -> IPv4Address? {
            let addresses = snapshot.addresses(onIndex: link.index)
            return (addresses.first { $0.scope == "global" } ?? addresses.first)?.address
        }
        if let name = target.interface {
            guard let link = snapshot.link(named: name) else {
                throw EndpointError(
                    endpoint: target.endpoint,
                    kind: .noSuchInterface(name, available: snapshot.links.map(\.name))
                )
            }
            return (link, target.ip ?? globalAddress(link))
        }
        if let ip = target.ip,
            let holder = snapshot.addresses.first(where: { $0.address == ip }),
            let link = snapshot.link(index: holder.interface.index)
        {
            return (link, ip)
        }
        let defaultRoute = snapshot.routes.first { $0.prefixLength == 0 && $0.interface != nil && $0.type == "unicast" }
        if let reference = defaultRoute?.interface, let link = snapshot.link(index: reference.index) {
            return (link, target.ip ?? globalAddress(link))
        }
        if let link = candidates.first(where: { $0.isUp && globalAddress($0) != nil }) ?? candidates.first {
            return (link, target.ip ?? globalAddress(link))
        }
        throw EndpointError(endpoint: target.endpoint, kind: .noInterface)
    }

    /// The endpoint as probes use it.
    public static func resolve(
        _ target: EndpointTarget,
        in snapshot: NamespaceSnapshot
    ) throws(EndpointError) -> ResolvedEndpoint {
        let (link, ip) = try choose(for: target, in: snapshot)
        return ResolvedEndpoint(
            endpoint: target.endpoint,
            node: target.node.name,
            namespace: target.namespace,
            interface: link.name,
            ip: ip,
            mac: link.mac
        )
    }
}
