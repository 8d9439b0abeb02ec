extension HostTopology {
    /// Fills in `peer` (veth) and `parent` (macvlan, vlan) for every link whose IFLA_LINK points at an interface.
    ///
    /// Without IFLA_LINK_NETNSID the other end is in the same namespace. With it, the id is private to the
    /// namespace that reports it, so the other namespace is found by what must hold there: a link at that index,
    /// and for a veth, a veth pointing back. Every link of one namespace that carries the same id must agree on
    /// one namespace. When several namespaces fit, `askNamespaceIDs(from, candidates)` is called to ask the
    /// kernel (RTM_GETNSID) which id `from` gives each candidate; it answers nil for each it cannot tell.
    public mutating func resolveCrossNamespaceLinks(
        askNamespaceIDs: (_ from: Int, _ candidates: [Int]) -> [Int32?]?
    ) {
        struct Group: Hashable {
            var namespace: Int
            var netnsID: Int32
        }
        var groups: [Group: [Int]] = [:]
        for (position, snapshot) in namespaces.enumerated() {
            for (linkPosition, link) in snapshot.links.enumerated() where link.linkIndex != nil && link.pointsAtOther {
                if let netnsID = link.linkNetnsID {
                    groups[Group(namespace: position, netnsID: netnsID), default: []].append(linkPosition)
                } else if let other = snapshot.link(index: link.linkIndex!) {
                    namespaces[position].links[linkPosition].setOtherEnd(
                        LinkReference(node: snapshot.node.name, index: other.index, name: other.name)
                    )
                }
            }
        }
        for (group, linkPositions) in groups.sorted(by: {
            ($0.key.namespace, $0.key.netnsID) < ($1.key.namespace, $1.key.netnsID)
        }) {
            let links = linkPositions.map { namespaces[group.namespace].links[$0] }
            var candidates = namespaces.indices.filter { other in
                other != group.namespace && links.allSatisfy { fits($0, in: namespaces[other]) }
            }
            if candidates.count > 1 {
                let answers = askNamespaceIDs(group.namespace, candidates) ?? []
                candidates = zip(candidates, answers).filter { $0.1 == group.netnsID }.map(\.0)
            }
            guard candidates.count == 1, let target = candidates.first else { continue }
            let node = namespaces[target].node.name
            for linkPosition in linkPositions {
                let index = namespaces[group.namespace].links[linkPosition].linkIndex!
                guard let other = namespaces[target].link(index: index) else { continue }
                namespaces[group.namespace].links[linkPosition].setOtherEnd(
                    LinkReference(node: node, index: other.index, name: other.name)
                )
            }
        }
    }

    /// Whether `snapshot` holds what the other end of `link` must be.
    private func fits(_ link: Link, in snapshot: NamespaceSnapshot) -> Bool {
        guard let other = snapshot.link(index: link.linkIndex!) else { return false }
        guard link.kind == .veth else { return true }
        return other.kind == .veth && other.linkIndex == link.index && other.linkNetnsID != nil
    }
}

extension Link {
    /// Whether IFLA_LINK names another interface this model resolves: a veth peer or a macvlan/vlan parent.
    var pointsAtOther: Bool { kind == .veth || kind == .macvlan || kind == .vlan }

    mutating func setOtherEnd(_ reference: LinkReference) {
        if kind == .veth { peer = reference } else { parent = reference }
    }
}
