/// A JSON value as lxcdiag's documents hold it, before it is printed or after it is parsed.
///
/// Objects keep their keys unordered; `JSONTree.text` prints them sorted, so the same document always prints the
/// same bytes.
package indirect enum JSONTree: Sendable, Hashable {
    case null
    case bool(Bool)
    /// A number as its JSON text (`42`, `-1`, `0.25`), so that 64-bit integers keep every digit.
    case number(String)
    case string(String)
    case array([JSONTree])
    case object([String: JSONTree])

    /// The value pretty-printed: two-space indentation, sorted keys, `/` not escaped.
    package var text: String {
        var output = ""
        write(into: &output, indent: 0)
        return output
    }

    /// The value on one line (for JSON-lines output), keys sorted.
    package var line: String {
        var output = ""
        write(into: &output, indent: nil)
        return output
    }

    private func write(into output: inout String, indent: Int?) {
        switch self {
        case .null: output += "null"
        case .bool(let value): output += value ? "true" : "false"
        case .number(let text): output += text
        case .string(let value): Self.quote(value, into: &output)
        case .array(let values):
            guard !values.isEmpty else {
                output += "[]"
                return
            }
            output += "["
            for (position, value) in values.enumerated() {
                if position > 0 { output += "," }
                Self.newline(into: &output, indent: indent.map { $0 + 1 })
                value.write(into: &output, indent: indent.map { $0 + 1 })
            }
            Self.newline(into: &output, indent: indent)
            output += "]"
        case .object(let members):
            guard !members.isEmpty else {
                output += "{}"
                return
            }
            output += "{"
            for (position, key) in members.keys.sorted().enumerated() {
                if position > 0 { output += "," }
                Self.newline(into: &output, indent: indent.map { $0 + 1 })
                Self.quote(key, into: &output)
                output += indent == nil ? ":" : ": "
                members[key]?.write(into: &output, indent: indent.map { $0 + 1 })
            }
            Self.newline(into: &output, indent: indent)
            output += "}"
        }
    }

    private static func newline(into output: inout String, indent: Int?) {
        guard let indent else { return }
        output += "\n" + String(repeating: "  ", count: indent)
    }

    private static func quote(_ value: String, into output: inout String) {
        output += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case let control where control.value < 0x20:
                let hex = String(control.value, radix: 16)
                output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }
}

extension JSONTree: Decodable {
    /// Reads any JSON value; numbers keep their digits (64-bit integers exactly, others as Swift prints a Double).
    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .number(String(value))
        } else if let value = try? container.decode(UInt64.self) {
            self = .number(String(value))
        } else if let value = try? container.decode(Double.self) {
            self = .number(value.isFinite ? "\(value)" : "null")
        } else if let value = try? container.decode([JSONTree].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONTree].self))
        }
    }
}

extension JSONTree {
    /// The document's `schema` value (`lxcdiag.topo/1`), when it is an object with one.
    package var schemaName: String? {
        guard case .object(let members) = self, case .string(let schema) = members["schema"] else { return nil }
        return schema
    }

    /// The member `key` of an object, else nil.
    package subscript(key: String) -> JSONTree? {
        guard case .object(let members) = self else { return nil }
        return members[key]
    }
}
