internal import Foundation
package import PacketCodec

/// The addresses of `arp scan -f FILE`: one IPv4 address or CIDR per line, as arp-scan reads its target file.
package enum ScanTargets {
    /// The most addresses a file may name: as many as the largest sweep (a /8).
    package static let largest = 1 << 24

    /// Parses `text`: blank lines and what follows `#` are ignored; a CIDR stands for its hosts. Returns the
    /// smallest network holding every address (the sweep's `network`) and the addresses, in file order, each once.
    package static func parse(_ text: String, source: String) throws(ARPError) -> (IPv4Network, [IPv4Address]) {
        var addresses: [IPv4Address] = []
        var seen = Set<IPv4Address>()
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let word = line.trimmingCharacters(in: .whitespaces)
            guard !word.isEmpty else { continue }
            guard let network = IPv4Network(word) else {
                throw ARPError(.usage, "\(source) line \(number + 1): '\(word)' is not an IPv4 address or CIDR")
            }
            guard network.prefixLength >= 8 else {
                throw ARPError(.usage, "\(source) line \(number + 1): \(word) is wider than a /8")
            }
            for address in network.prefixLength == 32 ? [network.address] : network.hosts
            where seen.insert(address).inserted {
                addresses.append(address)
                if addresses.count > largest {
                    throw ARPError(.usage, "\(source) names more than \(largest) addresses")
                }
            }
        }
        guard let low = addresses.min(by: { $0.value < $1.value }),
            let high = addresses.max(by: { $0.value < $1.value })
        else { throw ARPError(.usage, "\(source) names no address") }
        let common = (low.value ^ high.value).leadingZeroBitCount
        return (IPv4Network(address: low, prefixLength: common), addresses)
    }

    /// Reads and parses the file at `path` (`-` is standard input, as arp-scan takes it).
    package static func read(_ path: String) throws(ARPError) -> (IPv4Network, [IPv4Address]) {
        let data =
            path == "-" ? FileHandle.standardInput.readDataToEndOfFile() : FileManager.default.contents(atPath: path)
        guard let data else { throw ARPError(.usage, "-f \(path): cannot read the file") }
        return try parse(String(decoding: data, as: UTF8.self), source: path)
    }
}

/// arp-scan's `--format`: `${ip}`, `${mac}`, `${vendor}`, `${rtt}`, `${dup}`, each with an optional width
/// (`${ip;-15}` left-aligned in 15 columns, `${ip;15}` right-aligned); `\t` and `\n` as escapes.
package struct ResponderFormat: Sendable {
    private enum Piece: Sendable {
        case text(String)
        case field(String, width: Int)
    }

    package static let fields = ["ip", "mac", "vendor", "rtt", "dup"]
    private var pieces: [Piece] = []

    package init(_ format: String) throws(ARPError) {
        var rest = Substring(
            format.replacingOccurrences(of: "\\t", with: "\t").replacingOccurrences(of: "\\n", with: "\n")
        )
        while let open = rest.range(of: "${") {
            pieces.append(.text(String(rest[..<open.lowerBound])))
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else {
                throw ARPError(.usage, "--format: '${' without its '}'")
            }
            let parts = rest[open.upperBound..<close].split(separator: ";", omittingEmptySubsequences: false)
            let name = String(parts[0])
            guard Self.fields.contains(name) else {
                throw ARPError(
                    .usage,
                    "--format: no field ${\(name)}; the fields are "
                        + Self.fields.map { "${\($0)}" }.joined(separator: ", ")
                )
            }
            var width = 0
            if parts.count == 2 {
                guard let parsed = Int(parts[1]), abs(parsed) <= 255 else {
                    throw ARPError(.usage, "--format: ${\(name);\(parts[1])} needs a width between -255 and 255")
                }
                width = parsed
            }
            pieces.append(.field(name, width: width))
            rest = rest[rest.index(after: close)...]
        }
        pieces.append(.text(String(rest)))
    }

    /// The line for `responder`; `duplicate` counts the MACs seen for its address so far (1 for the first).
    package func render(_ responder: Responder, duplicate: Int) -> String {
        pieces.map { piece in
            switch piece {
            case .text(let text): return text
            case .field(let name, let width):
                let value: String
                switch name {
                case "ip": value = responder.ip.description
                case "mac": value = responder.mac.description
                case "vendor": value = responder.vendorOrOrigin
                case "rtt": value = responder.rttNs.map { String(format: "%.3f ms", Double($0) / 1e6) } ?? ""
                default: value = duplicate > 1 ? "(DUP: \(duplicate))" : ""
                }
                guard abs(width) > value.count else { return value }
                let padding = String(repeating: " ", count: abs(width) - value.count)
                return width < 0 ? value + padding : padding + value
            }
        }.joined()
    }
}

extension Responder {
    /// The vendor, or what the MAC says about its origin: `(locally administered)` when its U/L bit is set (veth,
    /// macvlan, most container MACs: no vendor owns it), else `(unknown vendor)`.
    package var vendorOrOrigin: String {
        vendor ?? (mac.isLocallyAdministered ? "(locally administered)" : "(unknown vendor)")
    }
}
