import Foundation
import LinuxNet

/// Runs a scapy script with Debian's python (the pyenv `python3` on PATH lacks scapy); stdin carries hex.
func scapy(_ script: String, input: String = "") throws -> String {
    let output = try ExternalCommand.run(
        ["/usr/bin/python3", "-c", "from scapy.all import *\nimport sys\n" + script],
        input: input,
        timeoutSeconds: 60
    )
    guard output.status == 0 else { throw ScapyFailure(message: output.standardError) }
    return output.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
}

struct ScapyFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { "scapy failed: \(message)" }
}

/// Whether Debian's python with scapy is installed.
let scapyAvailable = FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")

func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

func bytes(fromHex text: String) -> [UInt8] {
    var result: [UInt8] = []
    var index = text.startIndex
    while index < text.endIndex {
        let next = text.index(index, offsetBy: 2)
        result.append(UInt8(text[index..<next], radix: 16)!)
        index = next
    }
    return result
}
