internal import Yams

/// Typed reads of Yams nodes, each failing with the node's own line and column.
struct NodeReader {
    var file: String

    var start: SourceLocation { SourceLocation(file: file, line: 1, column: 1) }

    func location(_ node: Node) -> SourceLocation {
        guard let mark = node.mark else { return start }
        return SourceLocation(file: file, line: mark.line, column: mark.column)
    }

    /// A mapping whose keys are all in `keys` (nil: any string keys), each once.
    func mapping(_ node: Node, what: String, keys: [String]?) throws(PlanError) -> Fields {
        guard case .mapping(let mapping) = node else {
            throw PlanError(location(node), "\(what) must be a mapping (key: value), not \(describe(node))")
        }
        var seen: Set<String> = []
        var pairs: [(Node, Node)] = []
        for (key, value) in mapping {
            guard case .scalar(let scalar) = key else {
                throw PlanError(location(key), "a key in \(what) must be a plain word, not \(describe(key))")
            }
            if let keys, !keys.contains(scalar.string) {
                throw PlanError(
                    location(key),
                    "unknown key '\(scalar.string)' in \(what); known: \(keys.joined(separator: ", "))"
                )
            }
            guard seen.insert(scalar.string).inserted else {
                throw PlanError(location(key), "duplicate key '\(scalar.string)' in \(what)")
            }
            pairs.append((key, value))
        }
        return Fields(what: what, location: location(node), pairs: pairs)
    }

    /// A non-empty scalar, as written.
    func string(_ node: Node, what: String) throws(PlanError) -> (value: String, location: SourceLocation) {
        guard case .scalar(let scalar) = node else {
            throw PlanError(location(node), "\(what) must be a single value, not \(describe(node))")
        }
        guard !Self.isNull(node), !scalar.string.isEmpty else {
            throw PlanError(location(node), "\(what) is empty")
        }
        return (scalar.string, location(node))
    }

    /// An endpoint name: a word such as ct1, or host, netns:NAME, pid:PID, iface:NAME, ip:ADDR.
    func endpointName(_ node: Node, what: String) throws(PlanError) -> (value: String, location: SourceLocation) {
        let name = try string(node, what: what)
        guard name.value.count <= 255, !name.value.contains(where: { $0.isWhitespace || $0 == "/" }) else {
            throw PlanError(name.location, "\(what) '\(name.value)' is not an endpoint name")
        }
        return name
    }

    /// A non-empty list.
    func list(_ node: Node, what: String) throws(PlanError) -> [Node] {
        guard case .sequence(let items) = node, !items.isEmpty else {
            throw PlanError(location(node), "\(what) must be a non-empty list ([a, b]), not \(describe(node))")
        }
        return Array(items)
    }

    /// A whole number written as one (`1500`, not `"1500"` or `1500.0`).
    func integer(_ node: Node, what: String) throws(PlanError) -> (value: Int, location: SourceLocation) {
        guard case .scalar = node, node.tag.description == Tag.Name.int.rawValue, let value = node.int else {
            throw PlanError(location(node), "\(what) must be a whole number, not \(describe(node))")
        }
        return (value, location(node))
    }

    static func isNull(_ node: Node) -> Bool { node.tag.description == Tag.Name.null.rawValue }

    private func describe(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar(let scalar):
            if Self.isNull(node) { return "nothing" }
            let text = scalar.string.count > 40 ? String(scalar.string.prefix(40)) + "..." : scalar.string
            return "'\(text)'"
        }
    }
}

/// A checked mapping's pairs in file order.
struct Fields {
    var what: String
    var location: SourceLocation
    var pairs: [(Node, Node)]

    subscript(key: String) -> Node? { pairs.first { $0.0.string == key }?.1 }

    func required(_ key: String) throws(PlanError) -> Node {
        guard let node = self[key] else { throw PlanError(location, "\(what) needs \(key):") }
        return node
    }
}
