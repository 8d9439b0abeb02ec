/// The wiring of a host across all captured namespaces, with veth peers and macvlan parents resolved.
package struct HostTopology: Codable, Sendable, Hashable {
    /// One snapshot per namespace; the first is the host.
    package var namespaces: [NamespaceSnapshot]
    /// Problems met while capturing (a namespace gone, permission denied) that did not stop the rest.
    package var problems: [String]

    package init(namespaces: [NamespaceSnapshot], problems: [String] = []) {
        self.namespaces = namespaces
        self.problems = problems
    }

    /// The snapshot of the node called `name`.
    package func namespace(named name: String) -> NamespaceSnapshot? {
        namespaces.first { $0.node.name == name }
    }

    /// The interface a reference points to.
    package func link(_ reference: LinkReference) -> Link? {
        namespace(named: reference.node)?.link(index: reference.index)
    }
}
