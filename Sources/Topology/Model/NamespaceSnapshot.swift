/// Everything rtnetlink says about one namespace at one moment.
public struct NamespaceSnapshot: Codable, Sendable, Hashable {
    /// Which namespace this is.
    public var node: NetworkNode
    /// Every interface, in index order.
    public var links: [Link]
    /// The IPv4 addresses.
    public var addresses: [AddressAssignment]
    /// The IPv4 routes of the main table.
    public var routes: [Route]
    /// The IPv4 neighbour (ARP) table.
    public var neighbours: [NeighbourEntry]
    /// The bridge forwarding database of every bridge (and vxlan) in the namespace.
    public var fdb: [FDBEntry]
    /// The ids this namespace gives other captured namespaces (RTM_GETNSID), by node name. Asked only in
    /// namespaces whose links reach into two or more others (hosts, switches); nil elsewhere.
    public var namespaceIDs: [String: Int32]?

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
