import Foundation

/// Writes a `--json` document, pretty-printed with sorted keys, to standard output. Every command's `--json`
/// goes through here, so all documents look alike.
func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
