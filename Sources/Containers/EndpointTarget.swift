package import LinuxNet
package import NetworkModel
package import PacketCodec
package import Topology

/// What an endpoint name stands for before its namespace is inspected: the node, its namespace, and the interface
/// or address the name fixes (a registered endpoint, `iface:NAME`, `ip:ADDR`).
package struct EndpointTarget: Sendable, Hashable {
    package var endpoint: String
    package var node: NetworkNode
    package var namespace: NetworkNamespace
    package var interface: String?
    package var ip: IPv4Address?
    /// Where `ip` came from (`the endpoint file`), said when the interface turns out not to hold it.
    package var addressOrigin: String?
    /// The LXC container behind the target, whose config declares its interfaces and addresses.
    package var container: String?

    package init(
        endpoint: String,
        node: NetworkNode,
        namespace: NetworkNamespace,
        interface: String? = nil,
        ip: IPv4Address? = nil,
        addressOrigin: String? = nil,
        container: String? = nil
    ) {
        self.endpoint = endpoint
        self.node = node
        self.namespace = namespace
        self.interface = interface
        self.ip = ip
        self.addressOrigin = addressOrigin
        self.container = container
    }
}

/// Chooses the interface, address and MAC of an endpoint from its namespace's snapshot.
package enum EndpointInterfaceChoice {
    /// The interface: the one the target names, else the one holding the target's address, else the default
    /// route's, else the first up interface with an IPv4 address, else the first that is not loopback.
    package static func choose(
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

    /// The endpoint as probes use it. An interface that lost its address keeps the declared or last-known one
    /// (the target's own, from the endpoint file; `declared`, from the LXC config; a neighbour entry in
    /// `elsewhere` mapping an address to the interface's MAC), with `addressOrigin` saying where it came from.
    package static func resolve(
        _ target: EndpointTarget,
        in snapshot: NamespaceSnapshot,
        declared: [LXCNetworkDeclaration] = [],
        declaredIn configFile: String? = nil,
        elsewhere: [NamespaceSnapshot] = []
    ) throws(EndpointError) -> ResolvedEndpoint {
        let (link, chosen) = try choose(for: target, in: snapshot)
        var ip = chosen
        var origin: String?
        if let ip, !snapshot.addresses.contains(where: { $0.address == ip }) {
            origin = target.addressOrigin ?? "the endpoint's definition"
        } else if ip == nil {
            let expectedName = { (declaration: LXCNetworkDeclaration) in
                declaration.name ?? "eth\(declaration.index)"
            }
            if let declaration = declared.first(where: { $0.mac != nil && $0.mac == link.mac })
                ?? declared.first(where: { expectedName($0) == link.name }),
                let network = declaration.ipv4Networks.first
            {
                ip = network.address
                origin = "lxc.net.\(declaration.index).ipv4.address" + (configFile.map { " in \($0)" } ?? "")
            } else if let mac = link.mac,
                let (holder, entry) = elsewhere.lazy.compactMap({ other -> (NamespaceSnapshot, NeighbourEntry)? in
                    guard other.node.namespaceInode == nil || other.node.namespaceInode != snapshot.node.namespaceInode,
                        let entry = other.neighbours.first(where: { $0.mac == mac })
                    else { return nil }
                    return (other, entry)
                }).first
            {
                ip = entry.address
                origin =
                    "a neighbour entry in \(holder.node.name) (\(entry.address) lladdr \(mac) "
                    + "\(entry.state.rawValue))"
            }
        }
        return ResolvedEndpoint(
            endpoint: target.endpoint,
            node: target.node.name,
            namespace: target.namespace,
            interface: link.name,
            ip: ip,
            mac: link.mac,
            addressOrigin: origin
        )
    }
}
