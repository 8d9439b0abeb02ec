import Foundation
import LinuxNet

// scapy as an independent encoder and decoder the codecs are checked against, for every test target.

/// Runs a scapy script with Debian's python (the pyenv `python3` on PATH lacks scapy); stdin carries hex.
package func scapy(_ script: String, input: String = "") throws -> String {
    let output = try ExternalCommand.run(
        ["/usr/bin/python3", "-c", "from scapy.all import *\nimport sys\n" + script],
        input: input,
        timeoutSeconds: 60
    )
    guard output.status == 0 else { throw ScapyFailure(message: output.standardError) }
    return output.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
}

package struct ScapyFailure: Error, CustomStringConvertible {
    package var message: String
    package var description: String { "scapy failed: \(message)" }
}

/// Whether Debian's python with scapy is installed (the interpreter is there and imports scapy).
package let scapyAvailable: Bool = {
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") else { return false }
    return (try? ExternalCommand.run(["/usr/bin/python3", "-c", "import scapy"], timeoutSeconds: 60).status) == 0
}()

package func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

/// The bytes a hex string spells (two digits each); a trailing odd digit is ignored.
package func bytes(fromHex text: String) -> [UInt8] {
    var result: [UInt8] = []
    var index = text.startIndex
    while index < text.endIndex, let next = text.index(index, offsetBy: 2, limitedBy: text.endIndex) {
        result.append(UInt8(text[index..<next], radix: 16)!)
        index = next
    }
    return result
}
