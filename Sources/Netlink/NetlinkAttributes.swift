/// A parsed list of netlink attributes (`struct rtattr`/`struct nlattr`): type and value bytes.
///
/// When a type occurs more than once, lookups answer with the first occurrence.
package struct NetlinkAttributes: Sendable, Hashable {
    /// Every attribute in order, with the NLA_F_NESTED and NLA_F_NET_BYTEORDER bits cleared from the type.
    package private(set) var entries: [(type: UInt16, value: [UInt8])]

    /// Parses the attributes packed in `bytes`.
    package init(_ bytes: ArraySlice<UInt8>) throws(NetlinkError) {
        entries = []
        var offset = bytes.startIndex
        while offset + 4 <= bytes.endIndex {
            let length = Int(UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8)
            let type = (UInt16(bytes[offset + 2]) | UInt16(bytes[offset + 3]) << 8) & 0x3FFF
            guard length >= 4, offset + length <= bytes.endIndex else {
                throw .truncated("attribute \(type) (length \(length))")
            }
            entries.append((type, Array(bytes[(offset + 4)..<(offset + length)])))
            offset += alignedLength(length)
        }
    }

    package static func == (lhs: NetlinkAttributes, rhs: NetlinkAttributes) -> Bool {
        lhs.entries.count == rhs.entries.count
            && zip(lhs.entries, rhs.entries).allSatisfy { $0.type == $1.type && $0.value == $1.value }
    }

    package func hash(into hasher: inout Hasher) {
        for entry in entries {
            hasher.combine(entry.type)
            hasher.combine(entry.value)
        }
    }

    /// The raw value of attribute `type`.
    package func bytes(_ type: UInt16) -> [UInt8]? { entries.first { $0.type == type }?.value }

    /// An 8-bit value.
    package func uint8(_ type: UInt16) -> UInt8? { bytes(type).flatMap { $0.count >= 1 ? $0[0] : nil } }

    /// A host-order 16-bit value.
    package func uint16(_ type: UInt16) -> UInt16? {
        bytes(type).flatMap { $0.count >= 2 ? $0.loadUInt16(at: 0) : nil }
    }

    /// A network-order (big-endian) 16-bit value, such as a port number or a VLAN protocol.
    package func bigEndianUInt16(_ type: UInt16) -> UInt16? { uint16(type).map { UInt16(bigEndian: $0) } }

    /// A host-order 32-bit value.
    package func uint32(_ type: UInt16) -> UInt32? {
        bytes(type).flatMap { $0.count >= 4 ? $0.loadUInt32(at: 0) : nil }
    }

    /// A host-order signed 32-bit value.
    package func int32(_ type: UInt16) -> Int32? { uint32(type).map { Int32(bitPattern: $0) } }

    /// A NUL-terminated string.
    package func string(_ type: UInt16) -> String? {
        bytes(type).map { value in
            String(decoding: value.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    /// The attributes nested in attribute `type`.
    package func nested(_ type: UInt16) throws(NetlinkError) -> NetlinkAttributes? {
        guard let value = bytes(type) else { return nil }
        return try NetlinkAttributes(value[...])
    }
}

/// Builds an attribute list for a request.
struct AttributeEncoder {
    private(set) var bytes: [UInt8] = []

    mutating func append(_ type: UInt16, _ value: [UInt8]) {
        let length = 4 + value.count
        bytes.appendNative(UInt16(length))
        bytes.appendNative(type)
        bytes += value
        bytes += [UInt8](repeating: 0, count: alignedLength(length) - length)
    }

    mutating func append<T: FixedWidthInteger>(_ type: UInt16, integer: T) {
        var value: [UInt8] = []
        value.appendNative(integer)
        append(type, value)
    }
}
