/// Why a frame could not be decoded.
package struct DecodeError: Error, Sendable, Equatable, CustomStringConvertible {
    package var reason: String
    package init(_ reason: String) { self.reason = reason }
    package var description: String { reason }
}

/// Reads big-endian fields from a byte slice, failing instead of trapping on short input.
struct ByteReader {
    let bytes: ArraySlice<UInt8>
    var offset: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        self.offset = bytes.startIndex
    }

    var remaining: Int { bytes.endIndex - offset }

    mutating func take(_ count: Int, _ what: String) throws(DecodeError) -> ArraySlice<UInt8> {
        guard count >= 0, remaining >= count else { throw DecodeError("truncated \(what)") }
        defer { offset += count }
        return bytes[offset..<offset + count]
    }

    mutating func uint8(_ what: String) throws(DecodeError) -> UInt8 { try take(1, what).first! }

    mutating func uint16(_ what: String) throws(DecodeError) -> UInt16 {
        let slice = try take(2, what)
        return UInt16(slice[slice.startIndex]) << 8 | UInt16(slice[slice.startIndex + 1])
    }

    mutating func uint32(_ what: String) throws(DecodeError) -> UInt32 {
        let slice = try take(4, what)
        return slice.reduce(0) { $0 << 8 | UInt32($1) }
    }

    mutating func rest() -> ArraySlice<UInt8> {
        defer { offset = bytes.endIndex }
        return bytes[offset...]
    }
}

extension Array where Element == UInt8 {
    mutating func appendBigEndian(_ value: UInt16) {
        append(UInt8(value >> 8))
        append(UInt8(value & 0xff))
    }

    mutating func appendBigEndian(_ value: UInt32) {
        appendBigEndian(UInt16(value >> 16))
        appendBigEndian(UInt16(value & 0xffff))
    }
}

/// The RFC 1071 Internet checksum of `bytes`.
package func internetChecksum(_ bytes: some Collection<UInt8>) -> UInt16 {
    var sum: UInt32 = 0
    var iterator = bytes.makeIterator()
    while let high = iterator.next() {
        let low = iterator.next() ?? 0
        sum &+= UInt32(high) << 8 | UInt32(low)
    }
    while sum >> 16 != 0 { sum = (sum & 0xffff) &+ (sum >> 16) }
    return ~UInt16(sum)
}
