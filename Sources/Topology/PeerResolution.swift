extension HostTopology {
    /// Fills in `peer` (veth) and `parent` (macvlan, vlan) for every link whose IFLA_LINK points at an interface.
    ///
    /// Without IFLA_LINK_NETNSID the other end is in the same namespace. With it, the id is private to the
    /// namespace that reports it, so the other namespace is found by what must hold there: a link at that index
    /// (for a veth, a veth pointing back; for a macvlan or vlan, an interface that is no loopback and whose MTU
    /// is at least the child's). Every link of one namespace that carries the same id must agree on one
    /// namespace. `askNamespaceIDs(from, candidates)` asks the kernel (RTM_GETNSID) which id `from` gives each
    /// candidate, nil for each it cannot tell, or nil overall when no kernel is at hand (recorded dumps); it is
    /// asked when several namespaces fit, and to confirm a lone fit for a macvlan or vlan, whose parent does not
    /// point back. A namespace whose `namespaceIDs` were captured needs no guessing: its ids are looked up.
    /// Finally a veth end claimed by several peers keeps only the one it points back to.
    package mutating func resolveCrossNamespaceLinks(
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
            if let known = namespaces[group.namespace].namespaceIDs {
                // The kernel already said which namespace has this id (or that none captured has it).
                candidates = candidates.filter { known[namespaces[$0].node.name] == group.netnsID }
            } else if candidates.count > 1 || links.contains(where: { $0.kind != .veth }), !candidates.isEmpty,
                let answers = askNamespaceIDs(group.namespace, candidates)
            {
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
        keepMutualVethPeers()
    }

    /// Clears veth peers that the other end does not confirm: two ends claiming one, or one it points away from.
    private mutating func keepMutualVethPeers() {
        var claims: [LinkReference: [LinkReference]] = [:]
        for snapshot in namespaces {
            for link in snapshot.links where link.kind == .veth {
                if let peer = link.peer { claims[peer, default: []].append(snapshot.reference(link)) }
            }
        }
        for (claimed, claimants) in claims {
            let answer = self.link(claimed)?.peer
            for claimant in claimants {
                let confirmed = answer.map { $0 == claimant } ?? (claimants.count == 1)
                if !confirmed { setPeer(of: claimant, to: nil) }
            }
            // A lone, unopposed claim is taken as the answer for the end that could not tell on its own.
            if answer == nil, claimants.count == 1 { setPeer(of: claimed, to: claimants[0]) }
        }
    }

    private mutating func setPeer(of reference: LinkReference, to peer: LinkReference?) {
        guard let position = namespaces.firstIndex(where: { $0.node.name == reference.node }),
            let linkPosition = namespaces[position].links.firstIndex(where: { $0.index == reference.index })
        else { return }
        namespaces[position].links[linkPosition].peer = peer
    }

    /// Whether `snapshot` holds what the other end of `link` must be.
    private func fits(_ link: Link, in snapshot: NamespaceSnapshot) -> Bool {
        guard let other = snapshot.link(index: link.linkIndex!) else { return false }
        guard link.kind == .veth else { return other.kind != .loopback && other.mtu >= link.mtu }
        return other.kind == .veth && other.linkIndex == link.index && other.linkNetnsID != nil
    }
}

extension Link {
    /// Whether IFLA_LINK names another interface this model resolves: a veth peer or a macvlan/vlan parent.
    var pointsAtOther: Bool { kind == .veth || kind == .macvlan || kind == .ipvlan || kind == .vlan }

    mutating func setOtherEnd(_ reference: LinkReference) {
        if kind == .veth { peer = reference } else { parent = reference }
    }
}
