/// Everything rtnetlink says about one namespace at one moment.
public struct NamespaceSnapshot: Codable, Sendable, Hashable {
    public var node: NetworkNode
    public var links: [Link]
    public var addresses: [AddressAssignment]
    public var routes: [Route]
    public var neighbours: [NeighbourEntry]
    /// The bridge forwarding database of every bridge (and vxlan) in the namespace.
    public var fdb: [FDBEntry]

    public init(
        node: NetworkNode,
        links: [Link] = [],
        addresses: [AddressAssignment] = [],
        routes: [Route] = [],
        neighbours: [NeighbourEntry] = [],
        fdb: [FDBEntry] = []
    ) {
        self.node = node
        self.links = links
        self.addresses = addresses
        self.routes = routes
        self.neighbours = neighbours
        self.fdb = fdb
    }

    /// The interface called `name`.
    public func link(named name: String) -> Link? { links.first { $0.name == name } }

    /// The interface with index `index`.
    public func link(index: Int32) -> Link? { links.first { $0.index == index } }

    /// The ports of the bridge `bridge`, in index order.
    public func ports(of bridge: Link) -> [Link] {
        links.filter { $0.master?.index == bridge.index && $0.master?.node == node.name }
    }

    /// The IPv4 addresses on interface `index`.
    public func addresses(onIndex index: Int32) -> [AddressAssignment] {
        addresses.filter { $0.interface.index == index }
    }
}
