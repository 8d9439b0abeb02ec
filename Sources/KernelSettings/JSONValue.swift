/// A JSON document as nft prints it, kept generic because nft's expression grammar is open-ended.
enum JSONValue: Sendable, Hashable, Decodable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    var integer: Int? {
        if case .number(let value) = self { return Int(exactly: value.rounded()) }
        return nil
    }

    var array: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The single key of a one-key object (nft's `{"drop": null}`, `{"match": {...}}`).
    var onlyEntry: (key: String, value: JSONValue)? {
        if case .object(let object) = self, object.count == 1, let entry = object.first {
            return (entry.key, entry.value)
        }
        return nil
    }

    /// Compact JSON text, for expressions lxcdiag has no nicer rendering for.
    var compactText: String {
        switch self {
        case .null: return "null"
        case .bool(let value): return value ? "true" : "false"
        case .number(let value):
            return value.rounded() == value && abs(value) < 1e15 ? String(Int(value)) : String(value)
        case .string(let value): return "\"\(value)\""
        case .array(let values): return "[" + values.map(\.compactText).joined(separator: ",") + "]"
        case .object(let object):
            let entries = object.keys.sorted().map { "\"\($0)\":\(object[$0]!.compactText)" }
            return "{" + entries.joined(separator: ",") + "}"
        }
    }
}
