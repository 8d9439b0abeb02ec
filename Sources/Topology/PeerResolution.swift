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
        let lookup = LinkLookup(namespaces)
        var groups: [Group: [Int]] = [:]
        for (position, snapshot) in namespaces.enumerated() {
            for (linkPosition, link) in snapshot.links.enumerated() where link.linkIndex != nil && link.pointsAtOther {
                if let netnsID = link.linkNetnsID {
                    groups[Group(namespace: position, netnsID: netnsID), default: []].append(linkPosition)
                } else if let other = lookup.link(index: link.linkIndex!, in: position) {
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
            // Only a namespace that holds what the first link's other end must be can fit at all: looked up
            // by index (and for a veth by the index it points back to), not by trying every namespace.
            var candidates = lookup.possibleOtherEnds(of: links[0]).filter { other in
                other != group.namespace && links.allSatisfy { lookup.fits($0, in: other) }
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
                guard let other = lookup.link(index: index, in: target) else { continue }
                namespaces[group.namespace].links[linkPosition].setOtherEnd(
                    LinkReference(node: node, index: other.index, name: other.name)
                )
            }
        }
        keepMutualVethPeers()
    }

    /// Clears veth peers that the other end does not confirm: two ends claiming one, or one it points away from.
    private mutating func keepMutualVethPeers() {
        let lookup = LinkLookup(namespaces)
        var claims: [LinkReference: [LinkReference]] = [:]
        for snapshot in namespaces {
            for link in snapshot.links where link.kind == .veth {
                if let peer = link.peer { claims[peer, default: []].append(snapshot.reference(link)) }
            }
        }
        for (claimed, claimants) in claims {
            let answer = lookup.position(of: claimed).map { namespaces[$0.namespace].links[$0.link].peer } ?? nil
            for claimant in claimants {
                let confirmed = answer.map { $0 == claimant } ?? (claimants.count == 1)
                if !confirmed { setPeer(of: claimant, to: nil, lookup: lookup) }
            }
            // A lone, unopposed claim is taken as the answer for the end that could not tell on its own.
            if answer == nil, claimants.count == 1 { setPeer(of: claimed, to: claimants[0], lookup: lookup) }
        }
    }

    private mutating func setPeer(of reference: LinkReference, to peer: LinkReference?, lookup: LinkLookup) {
        guard let position = lookup.position(of: reference) else { return }
        namespaces[position.namespace].links[position.link].peer = peer
    }
}

/// Where each captured interface is, by namespace and index, read once so that resolving a thousand
/// namespaces' peers costs a lookup per link rather than a scan of every namespace per link.
private struct LinkLookup {
    let namespaces: [NamespaceSnapshot]
    /// Per namespace, the position of the first link with each index (as `NamespaceSnapshot.link(index:)`).
    let positionByIndex: [[Int32: Int]]
    /// The position of the first namespace with each node name (as `HostTopology.namespace(named:)`).
    let namespaceByName: [String: Int]
    /// The namespaces holding a link with each index, in namespace order.
    let namespacesByIndex: [Int32: [Int]]
    /// The namespaces holding a veth (index, pointing back at index) whose peer is in another namespace.
    let namespacesByVethEnds: [VethEnds: [Int]]

    struct VethEnds: Hashable {
        var index: Int32
        var peerIndex: Int32
    }

    init(_ namespaces: [NamespaceSnapshot]) {
        self.namespaces = namespaces
        var positionByIndex: [[Int32: Int]] = []
        var namespaceByName: [String: Int] = [:]
        var namespacesByIndex: [Int32: [Int]] = [:]
        var namespacesByVethEnds: [VethEnds: [Int]] = [:]
        for (position, snapshot) in namespaces.enumerated() {
            if namespaceByName[snapshot.node.name] == nil { namespaceByName[snapshot.node.name] = position }
            var byIndex: [Int32: Int] = [:]
            for (linkPosition, link) in snapshot.links.enumerated() where byIndex[link.index] == nil {
                byIndex[link.index] = linkPosition
                namespacesByIndex[link.index, default: []].append(position)
                if link.kind == .veth, let peerIndex = link.linkIndex, link.linkNetnsID != nil {
                    namespacesByVethEnds[VethEnds(index: link.index, peerIndex: peerIndex), default: []].append(
                        position
                    )
                }
            }
            positionByIndex.append(byIndex)
        }
        self.positionByIndex = positionByIndex
        self.namespaceByName = namespaceByName
        self.namespacesByIndex = namespacesByIndex
        self.namespacesByVethEnds = namespacesByVethEnds
    }

    func link(index: Int32, in namespace: Int) -> Link? {
        positionByIndex[namespace][index].map { namespaces[namespace].links[$0] }
    }

    func position(of reference: LinkReference) -> (namespace: Int, link: Int)? {
        guard let namespace = namespaceByName[reference.node],
            let link = positionByIndex[namespace][reference.index]
        else { return nil }
        return (namespace, link)
    }

    /// Every namespace that `fits(link, in:)` can hold for, in namespace order (a superset).
    func possibleOtherEnds(of link: Link) -> [Int] {
        guard let index = link.linkIndex else { return [] }
        if link.kind == .veth { return namespacesByVethEnds[VethEnds(index: index, peerIndex: link.index)] ?? [] }
        return namespacesByIndex[index] ?? []
    }

    /// Whether namespace `namespace` holds what the other end of `link` must be.
    func fits(_ link: Link, in namespace: Int) -> Bool {
        guard let other = self.link(index: link.linkIndex!, in: namespace) else { return false }
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
