import Foundation
public import PacketCodec

/// Vendor names for MAC prefixes, from the IEEE OUI list a system copy provides (Debian's ieee-data).
public struct OUIRegistry: Sendable {
    /// Where Debian's ieee-data package installs the list.
    public static let systemPath = "/usr/share/ieee-data/oui.txt"

    private var vendors: [UInt32: String]

    public init(vendors: [UInt32: String] = [:]) { self.vendors = vendors }

    public var count: Int { vendors.count }

    /// The vendor of `mac`; nil for unknown prefixes and for locally administered addresses, which no vendor owns.
    public func vendor(of mac: MACAddress) -> String? {
        guard !mac.isLocallyAdministered else { return nil }
        return vendors[Self.key(mac.oui)]
    }

    /// Parses the `XX-XX-XX   (hex)\t\tVendor` lines of oui.txt; when `only` is given, keeps just those prefixes
    /// (a scan needs a handful of the ~35000).
    public init(parsing text: String, only: Set<UInt32>? = nil) {
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
    public static func load(path: String = systemPath, for macs: [MACAddress]) -> OUIRegistry {
        let wanted = Set(macs.filter { !$0.isLocallyAdministered }.map { key($0.oui) })
        guard !wanted.isEmpty, let data = FileManager.default.contents(atPath: path) else { return OUIRegistry() }
        return OUIRegistry(parsing: String(decoding: data, as: UTF8.self), only: wanted)
    }

    public static func key(_ oui: [UInt8]) -> UInt32 { UInt32(oui[0]) << 16 | UInt32(oui[1]) << 8 | UInt32(oui[2]) }
}
