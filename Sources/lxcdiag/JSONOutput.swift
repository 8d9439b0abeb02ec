import Foundation
import JSONConvention

/// Writes a `--json` document to standard output. Every command's `--json` goes through here and so follows
/// docs/json.md: snake_case keys, `null` for absent, sorted keys, and a `schema` key (`schema` names it when the
/// value does not carry one itself).
func printJSON(_ value: some Encodable, schema: String? = nil) throws {
    let tree = try schema.map { try JSONDocuments.tree(of: value, schema: $0) } ?? JSONDocuments.tree(of: value)
    precondition(tree.schemaName != nil, "every --json document carries a schema key: \(type(of: value))")
    print(tree.text)
}

/// One `--json` document on one line (JSON lines, for streams such as `arp watch --json`).
func jsonLine(_ value: some Encodable, schema: String? = nil) throws -> String {
    try JSONDocuments.line(of: value, schema: schema)
}

/// Whether the command line asked for JSON: then errors go to standard error as a `lxcdiag.error/1` object.
let jsonRequested = CommandLine.arguments.dropFirst().prefix { $0 != "--" }.contains("--json")

/// `lxcdiag.error/1`: the error a `--json` run reports on standard error, one line, with the same exit status.
struct ErrorDocument: Encodable {
    /// The line lxcdiag prints without `--json`: `lxcdiag: ...`.
    var message: String
    var exitStatus: Int32
    /// The subcommand, as `lxcdiag trace`.
    var command: String
}

/// Writes `message` (which starts `lxcdiag: `) to standard error: as it is, or as a `lxcdiag.error/1` object
/// when `--json` was given.
func reportError(_ message: String, status: Int32) {
    var line = message
    if jsonRequested {
        let command = (["lxcdiag"] + subcommandPath(Array(CommandLine.arguments.dropFirst()))).joined(separator: " ")
        let document = ErrorDocument(message: message, exitStatus: status, command: command)
        line = (try? jsonLine(document, schema: "lxcdiag.error/1")) ?? message
    }
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
