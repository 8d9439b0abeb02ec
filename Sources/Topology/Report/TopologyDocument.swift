/// The `lxcdiag topo --json` document (schema `lxcdiag.topo/1`, see docs/topo-schema.md).
public struct TopologyDocument: Codable, Sendable, Hashable {
    public static let currentSchema = "lxcdiag.topo/1"

    public var schema: String
    public var namespaces: [NamespaceSnapshot]
    public var warnings: [TopologyWarning]
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
