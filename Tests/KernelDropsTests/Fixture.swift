import Foundation

/// Reads a file recorded from the real kernel (see probes/fixtures/record-kernel-drops.sh).
func fixture(_ name: String) throws -> String {
    let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    return try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
}
