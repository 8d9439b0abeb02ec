/// Everything rtnetlink says about one namespace at one moment.
package struct NamespaceSnapshot: Codable, Sendable, Hashable {
    /// Which namespace this is.
    package var node: NetworkNode
    /// Every interface, in index order.
    package var links: [Link]
    /// The IPv4 addresses.
    package var addresses: [AddressAssignment]
    /// The IPv4 routes of the main table.
    package var routes: [Route]
    /// The IPv4 neighbour (ARP) table.
    package var neighbours: [NeighbourEntry]
    /// The bridge forwarding database of every bridge (and vxlan) in the namespace.
    package var fdb: [FDBEntry]
    /// The ids this namespace gives other captured namespaces (RTM_GETNSID), by node name. Asked only in
    /// namespaces whose links reach into two or more others (hosts, switches); nil elsewhere.
    package var namespaceIDs: [String: Int32]?

    package init(
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
    package func link(named name: String) -> Link? { links.first { $0.name == name } }

    /// The interface with index `index` (the first, should two share it).
    ///
    /// Links are decoded in index order, so a host with a thousand ports is searched by halves; links built in
    /// another order are still found, by a scan.
    package func link(index: Int32) -> Link? {
        var low = 0
        var high = links.count
        while low < high {
            let middle = (low + high) / 2
            if links[middle].index < index { low = middle + 1 } else { high = middle }
        }
        if low < links.count, links[low].index == index, low == 0 || links[low - 1].index < index {
            return links[low]
        }
        return links.first { $0.index == index }
    }

    /// The ports of the bridge `bridge`, in index order.
    package func ports(of bridge: Link) -> [Link] {
        links.filter { $0.master?.index == bridge.index && $0.master?.node == node.name }
    }

    /// The IPv4 addresses on interface `index`.
    package func addresses(onIndex index: Int32) -> [AddressAssignment] {
        addresses.filter { $0.interface.index == index }
    }
}
