internal import Topology

/// Which interfaces share a layer-2 segment: veth ends, bridge ports and their bridge, macvlan children and their
/// parent are joined; a namespace alone never joins its interfaces (that takes a bridge).
struct SegmentMap {
    private var parent: [String: String] = [:]

    init(_ topology: HostTopology) {
        for snapshot in topology.namespaces {
            for link in snapshot.links where link.kind != .loopback {
                let here = Self.key(snapshot.node.name, link.index)
                _ = find(here)
                if let peer = link.peer { union(here, Self.key(peer.node, peer.index)) }
                if let master = link.master { union(here, Self.key(master.node, master.index)) }
                if link.kind == .macvlan, let lower = link.parent { union(here, Self.key(lower.node, lower.index)) }
            }
        }
    }

    /// Whether the two interfaces hear each other's frames.
    mutating func sameSegment(_ lhs: LinkReference, _ rhs: LinkReference) -> Bool {
        find(Self.key(lhs.node, lhs.index)) == find(Self.key(rhs.node, rhs.index))
    }

    private static func key(_ node: String, _ index: Int32) -> String { "\(node)#\(index)" }

    private mutating func find(_ key: String) -> String {
        guard let up = parent[key] else {
            parent[key] = key
            return key
        }
        if up == key { return key }
        let root = find(up)
        parent[key] = root
        return root
    }

    private mutating func union(_ lhs: String, _ rhs: String) {
        let (left, right) = (find(lhs), find(rhs))
        if left != right { parent[left] = right }
    }
}

extension NamespaceSnapshot {
    /// A reference to `link` of this snapshot.
    func reference(_ link: Link) -> LinkReference {
        LinkReference(node: node.name, index: link.index, name: link.name)
    }
}
