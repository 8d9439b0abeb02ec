import Foundation
package import PacketCodec

/// Vendor names for MAC prefixes, from the IEEE OUI list a system copy provides (Debian's ieee-data).
package struct OUIRegistry: Sendable {
    /// Where Debian's ieee-data package installs the list.
    package static let systemPath = "/usr/share/ieee-data/oui.txt"

    private var vendors: [UInt32: String]

    package init(vendors: [UInt32: String] = [:]) { self.vendors = vendors }

    package var count: Int { vendors.count }

    /// The vendor of `mac`; nil for unknown prefixes and for locally administered addresses, which no vendor owns.
    package func vendor(of mac: MACAddress) -> String? {
        guard !mac.isLocallyAdministered else { return nil }
        return vendors[Self.key(mac.oui)]
    }

    /// Parses the `XX-XX-XX   (hex)\t\tVendor` lines of oui.txt; when `only` is given, keeps just those prefixes
    /// (a scan needs a handful of the ~35000).
    package init(parsing text: String, only: Set<UInt32>? = nil) {
        var vendors: [UInt32: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) where line.contains("(hex)") {
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            guard trimmed.count > 8 else { continue }
            let hex = trimmed.prefix(8).split(separator: "-")
            guard hex.count == 3 else { continue }
            let bytes = hex.compactMap { UInt8($0, radix: 16) }
            guard bytes.count == 3 else { continue }
            let key = Self.key(bytes)
            if let only, !only.contains(key) { continue }
            guard let marker = trimmed.range(of: "(hex)") else { continue }
            let name = trimmed[marker.upperBound...].trimmingCharacters(in: .whitespaces)
            if !name.isEmpty { vendors[key] = name }
        }
        self.vendors = vendors
    }

    /// Loads the system list if present (an empty registry otherwise), keeping only the prefixes of `macs`.
    package static func load(path: String = systemPath, for macs: [MACAddress]) -> OUIRegistry {
        let wanted = Set(macs.filter { !$0.isLocallyAdministered }.map { key($0.oui) })
        guard !wanted.isEmpty, let data = FileManager.default.contents(atPath: path) else { return OUIRegistry() }
        return OUIRegistry(parsing: String(decoding: data, as: UTF8.self), only: wanted)
    }

    package static func key(_ oui: [UInt8]) -> UInt32 { UInt32(oui[0]) << 16 | UInt32(oui[1]) << 8 | UInt32(oui[2]) }
}

/// Vendor names looked up one prefix at a time in the system list, for a scan that prints each responder as it
/// answers: a search of the file per new prefix instead of parsing all ~35000 entries before the first frame.
package final class VendorLookup {
    private let text: Data
    private var cache: [UInt32: String?] = [:]

    /// Reads the list at `path`; a missing file names no vendor.
    package init(path: String = OUIRegistry.systemPath) {
        text = FileManager.default.contents(atPath: path) ?? Data()
    }

    /// The vendor of `mac`; nil for unknown prefixes and for locally administered addresses.
    package func vendor(of mac: MACAddress) -> String? {
        guard !mac.isLocallyAdministered, !text.isEmpty else { return nil }
        let key = OUIRegistry.key(mac.oui)
        if let known = cache[key] { return known }
        let hex = mac.oui.map { String($0, radix: 16, uppercase: true) }.map { $0.count == 1 ? "0" + $0 : $0 }
        let needle = Data(hex.joined(separator: "-").utf8)
        let newline = Data("\n".utf8)
        var found: String?
        var from = text.startIndex
        // Every place the prefix appears, until one is the start of its `XX-XX-XX   (hex)  Vendor` line.
        while found == nil, let hit = text.range(of: needle, in: from..<text.endIndex) {
            let lineStart =
                text.range(of: newline, options: .backwards, in: text.startIndex..<hit.lowerBound)?
                .upperBound ?? text.startIndex
            let lineEnd = text.range(of: newline, in: hit.upperBound..<text.endIndex)?.lowerBound ?? text.endIndex
            let line = String(decoding: text[lineStart..<lineEnd], as: UTF8.self)
            found = OUIRegistry(parsing: line, only: [key]).vendor(of: mac)
            from = hit.upperBound
        }
        cache[key] = found
        return found
    }
}
