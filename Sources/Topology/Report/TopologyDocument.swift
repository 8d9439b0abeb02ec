/// The `lxcdiag topo --json` document (schema `lxcdiag.topo/1`, see docs/topo-schema.md).
public struct TopologyDocument: Codable, Sendable, Hashable {
    /// The schema name this version writes.
    public static let currentSchema = "lxcdiag.topo/1"

    /// Always `currentSchema` when written by this version.
    public var schema: String
    /// One snapshot per namespace, the host first.
    public var namespaces: [NamespaceSnapshot]
    /// Everything likely to drop or divert frames, per interface.
    public var warnings: [TopologyWarning]
    /// Namespaces that could not be captured, and why.
    public var problems: [String]

    /// The document for `topology`, warnings included.
    public init(_ topology: HostTopology) {
        schema = Self.currentSchema
        namespaces = topology.namespaces
        warnings = topology.warnings()
        problems = topology.problems
    }

    /// The topology the document describes.
    public var topology: HostTopology { HostTopology(namespaces: namespaces, problems: problems) }
}
