/// A 48-bit Ethernet MAC address.
package struct MACAddress: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    package var bytes: [UInt8]

    package init(_ bytes: [UInt8]) {
        precondition(bytes.count == 6, "a MAC address has 6 bytes")
        self.bytes = bytes
    }

    /// Parses `aa:bb:cc:dd:ee:ff` (also with `-`); nil when malformed.
    package init?(_ text: String) {
        let parts = text.split(whereSeparator: { $0 == ":" || $0 == "-" })
        guard parts.count == 6 else { return nil }
        var bytes: [UInt8] = []
        for part in parts {
            guard part.count <= 2, let value = UInt8(part, radix: 16) else { return nil }
            bytes.append(value)
        }
        self.bytes = bytes
    }

    package static let broadcast = MACAddress([0xff, 0xff, 0xff, 0xff, 0xff, 0xff])
    package static let zero = MACAddress([0, 0, 0, 0, 0, 0])

    package var isBroadcast: Bool { self == .broadcast }
    package var isMulticast: Bool { bytes[0] & 1 == 1 }
    /// The first three bytes: the IEEE organisationally unique identifier (unless locally administered).
    package var oui: [UInt8] { Array(bytes[0..<3]) }
    package var isLocallyAdministered: Bool { bytes[0] & 2 == 2 }

    package var description: String {
        bytes.map { byte in
            let hex = String(byte, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }.joined(separator: ":")
    }

    package static func < (lhs: MACAddress, rhs: MACAddress) -> Bool { lhs.bytes.lexicographicallyPrecedes(rhs.bytes) }

    package init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = MACAddress(text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "bad MAC \(text)")
            )
        }
        self = value
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// An IPv4 address.
package struct IPv4Address: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    package var value: UInt32

    package init(_ value: UInt32) { self.value = value }

    package init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        value = UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
    }

    /// Parses dotted-quad text; nil when malformed.
    package init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy(\.isASCII), let octet = UInt8(part) else {
                return nil
            }
            value = value << 8 | UInt32(octet)
        }
        self.value = value
    }

    /// Reads four network-order bytes.
    package init(bytes: some Collection<UInt8>) {
        precondition(bytes.count == 4)
        value = bytes.reduce(0) { $0 << 8 | UInt32($1) }
    }

    package static let any = IPv4Address(0)

    package var bytes: [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
    }

    package var description: String { bytes.map(String.init).joined(separator: ".") }

    package static func < (lhs: IPv4Address, rhs: IPv4Address) -> Bool { lhs.value < rhs.value }

    package init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = IPv4Address(text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "bad IPv4 \(text)")
            )
        }
        self = value
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// An IPv4 prefix such as 10.0.0.0/24.
package struct IPv4Network: Sendable, Hashable, CustomStringConvertible {
    package var address: IPv4Address
    package var prefixLength: Int

    package init(address: IPv4Address, prefixLength: Int) {
        precondition((0...32).contains(prefixLength))
        self.address = address
        self.prefixLength = prefixLength
    }

    /// Parses `a.b.c.d/n` (a bare address is a /32); nil when malformed.
    package init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let address = IPv4Address(String(parts[0])) else { return nil }
        var length = 32
        if parts.count == 2 {
            guard let parsed = Int(parts[1]), (0...32).contains(parsed) else { return nil }
            length = parsed
        }
        self.init(address: address, prefixLength: length)
    }

    package var mask: UInt32 { prefixLength == 0 ? 0 : UInt32.max << (32 - UInt32(prefixLength)) }
    package var networkAddress: IPv4Address { IPv4Address(address.value & mask) }
    package var broadcastAddress: IPv4Address { IPv4Address(address.value | ~mask) }
    /// How many addresses the prefix holds.
    package var size: UInt64 { UInt64(1) << UInt64(32 - prefixLength) }

    package func contains(_ other: IPv4Address) -> Bool { other.value & mask == address.value & mask }

    /// The usable host addresses (all of them for /31 and /32).
    package var hosts: [IPv4Address] {
        let base = networkAddress.value
        if prefixLength >= 31 { return (0..<UInt32(size)).map { IPv4Address(base + $0) } }
        return (1..<UInt32(size - 1)).map { IPv4Address(base + $0) }
    }

    package var description: String { "\(networkAddress)/\(prefixLength)" }
}
