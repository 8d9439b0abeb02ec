internal import Foundation

/// The wiring of a host across all captured namespaces, with veth peers and macvlan parents resolved.
package struct HostTopology: Codable, Sendable, Hashable {
    /// One snapshot per namespace; the first is the host.
    package var namespaces: [NamespaceSnapshot] {
        // Any change may move or rename a namespace: the next lookup builds the index afresh.
        didSet { positions = NamespacePositions() }
    }
    /// Problems met while capturing (a namespace gone, permission denied) that did not stop the rest.
    package var problems: [String]
    /// Where each node name is in `namespaces`, built on the first lookup: on a host with a thousand containers
    /// every peer, parent and master lookup would otherwise scan every namespace.
    private var positions = NamespacePositions()

    package init(namespaces: [NamespaceSnapshot], problems: [String] = []) {
        self.namespaces = namespaces
        self.problems = problems
    }

    private enum CodingKeys: String, CodingKey {
        case namespaces
        case problems
    }

    package static func == (lhs: HostTopology, rhs: HostTopology) -> Bool {
        lhs.namespaces == rhs.namespaces && lhs.problems == rhs.problems
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(namespaces)
        hasher.combine(problems)
    }

    /// The snapshot of the node called `name` (the first, should two share it).
    package func namespace(named name: String) -> NamespaceSnapshot? {
        positions.position(of: name, in: namespaces).map { namespaces[$0] }
    }

    /// The interface a reference points to.
    package func link(_ reference: LinkReference) -> Link? {
        namespace(named: reference.node)?.link(index: reference.index)
    }
}

/// The position of the first namespace with each node name, built once per version of `namespaces`.
/// Safe: the index is written once under `lock` and only read after.
private final class NamespacePositions: @unchecked Sendable {
    private let lock = NSLock()
    private var index: [String: Int]?

    func position(of name: String, in namespaces: [NamespaceSnapshot]) -> Int? {
        let index = lock.withLock {
            if let index = self.index { return index }
            var built: [String: Int] = [:]
            for (position, snapshot) in namespaces.enumerated() where built[snapshot.node.name] == nil {
                built[snapshot.node.name] = position
            }
            self.index = built
            return built
        }
        return index[name]
    }
}
