import Foundation

/// scapy, run as an independent encoder/decoder to check the codecs against.
enum ScapyOracle {
    static let python = "/usr/bin/python3"

    static var isAvailable: Bool {
        guard FileManager.default.isExecutableFile(atPath: python) else { return false }
        return (try? run("import scapy; print('ok')")) == "ok"
    }

    /// Runs a Python snippet with scapy imported and returns its trimmed standard output.
    static func run(_ script: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", "from scapy.all import *\n" + script]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    static func bytes(fromHex text: String) -> [UInt8] {
        var result: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex, let next = text.index(index, offsetBy: 2, limitedBy: text.endIndex) {
            result.append(UInt8(text[index..<next], radix: 16)!)
            index = next
        }
        return result
    }
}
