internal import PacketCodec
internal import Topology

/// An interface together with the namespace that holds it.
struct PlacedLink {
    var namespace: NamespaceSnapshot
    var link: Link

    var node: String { namespace.node.name }
    var reference: LinkReference { LinkReference(node: node, index: link.index, name: link.name) }
    var label: String { "\(node):\(link.name)" }
}

/// Lookups the path walk needs over the captured namespaces.
extension HostTopology {
    func placed(_ reference: LinkReference?) -> PlacedLink? {
        guard let reference, let namespace = namespace(named: reference.node),
            let link = namespace.link(index: reference.index)
        else { return nil }
        return PlacedLink(namespace: namespace, link: link)
    }

    /// The other end of a veth: resolved across namespaces, or in the same namespace when IFLA_LINK_NETNSID is absent.
    func peer(of placed: PlacedLink) -> PlacedLink? {
        if let peer = self.placed(placed.link.peer) { return peer }
        guard placed.link.linkNetnsID == nil, let index = placed.link.linkIndex,
            let link = placed.namespace.link(index: index)
        else { return nil }
        return PlacedLink(namespace: placed.namespace, link: link)
    }

    /// The parent of a macvlan or vlan interface.
    func parent(of placed: PlacedLink) -> PlacedLink? {
        if let parent = self.placed(placed.link.parent) { return parent }
        guard placed.link.linkNetnsID == nil, let index = placed.link.linkIndex,
            let link = placed.namespace.link(index: index)
        else { return nil }
        return PlacedLink(namespace: placed.namespace, link: link)
    }

    /// The macvlan children of `parent`, in any namespace.
    func macvlanChildren(of parent: PlacedLink) -> [PlacedLink] {
        namespaces.flatMap { namespace in
            namespace.links.filter { $0.kind == .macvlan }.map { PlacedLink(namespace: namespace, link: $0) }
        }
        .filter { self.parent(of: $0)?.reference == parent.reference }
    }

    /// The ipvlan children of `parent`, in any namespace.
    func ipvlanChildren(of parent: PlacedLink) -> [PlacedLink] {
        namespaces.flatMap { namespace in
            namespace.links.filter { $0.kind == .ipvlan }.map { PlacedLink(namespace: namespace, link: $0) }
        }
        .filter { self.parent(of: $0)?.reference == parent.reference }
    }

    /// The 802.1Q subinterfaces of `parent` (`em1.211` of `em1`), in its namespace, lowest VID first.
    func vlanChildren(of parent: PlacedLink) -> [PlacedLink] {
        parent.namespace.links.filter { $0.kind == .vlan }.map { PlacedLink(namespace: parent.namespace, link: $0) }
            .filter { self.parent(of: $0)?.reference == parent.reference }
            .sorted { ($0.link.vlan?.id ?? 0) < ($1.link.vlan?.id ?? 0) }
    }

    /// Every interface holding `address`, in namespace order.
    func holders(of address: IPv4Address) -> [PlacedLink] {
        namespaces.flatMap { namespace in
            namespace.addresses.filter { $0.address == address }.compactMap { assignment in
                namespace.link(index: assignment.interface.index).map { PlacedLink(namespace: namespace, link: $0) }
            }
        }
    }

    /// The interfaces on the same layer-2 segment as `start`: across veth pairs, bridges and their ports, and
    /// macvlan parents and children (bounded; physical uplinks end the segment since the outside is not seen).
    func segment(of start: PlacedLink) -> Set<LinkReference> {
        var seen: Set<LinkReference> = [start.reference]
        var queue = [start]
        while !queue.isEmpty, seen.count < 1024 {
            let current = queue.removeFirst()
            var next: [PlacedLink] = []
            if let peer = peer(of: current), current.link.kind == .veth { next.append(peer) }
            if current.link.kind == .macvlan || current.link.kind == .ipvlan, let parent = parent(of: current) {
                next.append(parent)
            }
            next += macvlanChildren(of: current) + ipvlanChildren(of: current)
            if let bridge = bridge(of: current) { next.append(bridge) }
            if current.link.kind == .bridge {
                next += current.namespace.ports(of: current.link).map {
                    PlacedLink(namespace: current.namespace, link: $0)
                }
            }
            for link in next where seen.insert(link.reference).inserted { queue.append(link) }
        }
        return seen
    }

    /// The bridge port `link` is enslaved to, when it is one.
    func bridge(of placed: PlacedLink) -> PlacedLink? {
        guard let master = placed.link.master, let bridge = placed.namespace.link(index: master.index),
            bridge.kind == .bridge
        else { return nil }
        return PlacedLink(namespace: placed.namespace, link: bridge)
    }

    /// True when a frame for `mac` sent out of `port` can reach the interface that owns `mac`, looking through veth
    /// peers, bridges and macvlan parents up to `depth` bridges away.
    func leads(_ port: PlacedLink, to mac: MACAddress, depth: Int = 4) -> Bool {
        guard depth > 0, let far = peer(of: port) else { return false }
        if far.link.mac == mac { return true }
        if macvlanChildren(of: far).contains(where: { $0.link.mac == mac }) { return true }
        guard let bridge = bridge(of: far) else { return false }
        if bridge.link.mac == mac || macvlanChildren(of: bridge).contains(where: { $0.link.mac == mac }) {
            return true
        }
        return bridge.namespace.ports(of: bridge.link).contains { other in
            other.index != far.link.index
                && leads(PlacedLink(namespace: bridge.namespace, link: other), to: mac, depth: depth - 1)
        }
    }
}

extension NamespaceSnapshot {
    /// The route the kernel would pick for `address` in the main table: longest prefix, then lowest metric.
    func route(to address: IPv4Address) -> Route? {
        routes.filter { ["unicast", "local"].contains($0.type) && $0.network.contains(address) }
            .min { lhs, rhs in
                if lhs.prefixLength != rhs.prefixLength { return lhs.prefixLength > rhs.prefixLength }
                return (lhs.metric ?? 0) < (rhs.metric ?? 0)
            }
    }

    func holds(_ address: IPv4Address) -> Bool { addresses.contains { $0.address == address } }

    func neighbour(_ address: IPv4Address, on link: Link) -> NeighbourEntry? {
        neighbours.first { $0.address == address && $0.interface.index == link.index }
    }

    /// The FDB entry for `mac` in `bridge`'s table.
    func fdbEntry(for mac: MACAddress, bridge: Link) -> FDBEntry? {
        fdb.first { entry in
            guard entry.mac == mac else { return false }
            if let owner = entry.bridge { return owner.index == bridge.index }
            return link(index: entry.port.index)?.master?.index == bridge.index || entry.port.index == bridge.index
        }
    }
}

extension Link {
    /// Why the link cannot pass frames, or nil when it can.
    var downReason: String? {
        if !isUp { return "\(name) is administratively down" }
        if operState == .down || operState == .lowerLayerDown { return "\(name) is \(operState.rawValue)" }
        if carrier == false { return "\(name) has no carrier" }
        return nil
    }
}
