package import Foundation

/// The one JSON convention of lxcdiag's documents (docs/json.md), encoded and decoded in one place.
///
/// - Keys are snake_case (`run_id`, `namespace_inode`); where a field is iproute2's it takes iproute2's name
///   (`ifname`, `ifindex`, `address`, `mtu`, `operstate`; see `JSONKeyNaming`).
/// - Absent is `null`: a key a type declares is always printed; a value that is unknown or does not apply is
///   `null`, never a missing key. Readers may also accept a missing key as `null`.
/// - Every document carries `schema`, `"lxcdiag.NAME/VERSION"`.
/// - Keys are printed sorted, so the same report always prints the same bytes.
package enum JSONDocuments {
    /// The document tree of `value`.
    package static func tree(of value: some Encodable) throws -> JSONTree {
        let root = TreeNode()
        try root.store(value, at: [])
        return root.tree
    }

    /// `value` with `schema` added at its top level (`value` must encode as an object).
    package static func tree(of value: some Encodable, schema: String) throws -> JSONTree {
        guard case .object(var members) = try tree(of: value) else {
            preconditionFailure("a document with a schema key must be an object: \(type(of: value))")
        }
        members["schema"] = .string(schema)
        return .object(members)
    }

    /// The pretty-printed document, newline-terminated.
    package static func text(of value: some Encodable, schema: String? = nil) throws -> String {
        let document = try schema.map { try tree(of: value, schema: $0) } ?? tree(of: value)
        return document.text + "\n"
    }

    /// The document on one line (JSON lines), without the newline.
    package static func line(of value: some Encodable, schema: String? = nil) throws -> String {
        try (schema.map { try tree(of: value, schema: $0) } ?? tree(of: value)).line
    }

    /// Reads a document (or any part of one) written by this convention into `type`.
    package static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        let tree = try JSONDecoder().decode(JSONTree.self, from: data)
        return try TreeDecoder(tree: tree, codingPath: []).value(type)
    }
}
