/// The `lxcdiag topo --json` document (schema `lxcdiag.topo/1`, see docs/topo-schema.md).
package struct TopologyDocument: Codable, Sendable, Hashable {
    /// The schema name this version writes.
    package static let currentSchema = "lxcdiag.topo/1"

    /// Always `currentSchema` when written by this version.
    package var schema: String
    /// One snapshot per namespace, the host first.
    package var namespaces: [NamespaceSnapshot]
    /// Everything likely to drop or divert frames, per interface.
    package var warnings: [TopologyWarning]
    /// Namespaces that could not be captured, and why.
    package var problems: [String]

    /// The document for `topology`, warnings included.
    package init(_ topology: HostTopology) {
        schema = Self.currentSchema
        namespaces = topology.namespaces
        warnings = topology.warnings()
        problems = topology.problems
    }

    /// The topology the document describes.
    package var topology: HostTopology { HostTopology(namespaces: namespaces, problems: problems) }
}
