internal import Foundation

/// Writing lxcdiag's JSON files (endpoint file, lab state): pretty, key-sorted, atomic.
package enum JSONFile {
    /// Encodes `value` and writes it to `path` atomically, creating the folder first.
    package static func write(_ value: some Encodable, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(value).write(to: url, options: .atomic)
    }
}
