/// A TCP segment without options: enough for a SYN probe and for reading the SYN-ACK or RST it draws.
package struct TCPSegment: Sendable, Hashable {
    package static let headerLength = 20
    package static let protocolNumber: UInt8 = 6
    package static let fin: UInt8 = 0x01
    package static let syn: UInt8 = 0x02
    package static let rst: UInt8 = 0x04
    package static let ack: UInt8 = 0x10

    package var sourcePort: UInt16
    package var destinationPort: UInt16
    package var sequence: UInt32
    package var acknowledgement: UInt32
    package var flags: UInt8
    package var window: UInt16
    package var payload: [UInt8]

    package init(
        sourcePort: UInt16,
        destinationPort: UInt16,
        sequence: UInt32,
        acknowledgement: UInt32 = 0,
        flags: UInt8,
        window: UInt16 = 64_240,
        payload: [UInt8] = []
    ) {
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.sequence = sequence
        self.acknowledgement = acknowledgement
        self.flags = flags
        self.window = window
        self.payload = payload
    }

    package func has(_ flag: UInt8) -> Bool { flags & flag == flag }

    /// The segment with its checksum over the IPv4 pseudo-header of `source` and `destination`.
    package func encoded(source: IPv4Address, destination: IPv4Address) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.appendBigEndian(sourcePort)
        bytes.appendBigEndian(destinationPort)
        bytes.appendBigEndian(sequence)
        bytes.appendBigEndian(acknowledgement)
        bytes += [UInt8(Self.headerLength / 4) << 4, flags]
        bytes.appendBigEndian(window)
        bytes += [0, 0, 0, 0]
        bytes += payload
        let checksum = transportChecksum(bytes, protocolNumber: Self.protocolNumber, source, destination)
        bytes[16] = UInt8(checksum >> 8)
        bytes[17] = UInt8(checksum & 0xff)
        return bytes
    }

    /// Decodes a segment (options skipped). The checksum is not checked: offloading leaves it unfinished on
    /// the sender's own interface, where captures still must recognise the frame.
    package init(decoding bytes: some Collection<UInt8>) throws(DecodeError) {
        let all = ArraySlice(bytes)
        var reader = ByteReader(all)
        sourcePort = try reader.uint16("TCP source port")
        destinationPort = try reader.uint16("TCP destination port")
        sequence = try reader.uint32("TCP sequence")
        acknowledgement = try reader.uint32("TCP acknowledgement")
        let offset = Int(try reader.uint8("TCP data offset") >> 4) * 4
        flags = try reader.uint8("TCP flags")
        window = try reader.uint16("TCP window")
        guard offset >= Self.headerLength, offset <= all.count else { throw DecodeError("TCP data offset \(offset)") }
        payload = Array(all.dropFirst(offset))
    }
}

/// A UDP datagram.
package struct UDPDatagram: Sendable, Hashable {
    package static let headerLength = 8
    package static let protocolNumber: UInt8 = 17

    package var sourcePort: UInt16
    package var destinationPort: UInt16
    package var payload: [UInt8]

    package init(sourcePort: UInt16, destinationPort: UInt16, payload: [UInt8]) {
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.payload = payload
    }

    /// The datagram with its checksum over the IPv4 pseudo-header of `source` and `destination`.
    package func encoded(source: IPv4Address, destination: IPv4Address) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.appendBigEndian(sourcePort)
        bytes.appendBigEndian(destinationPort)
        bytes.appendBigEndian(UInt16(Self.headerLength + payload.count))
        bytes += [0, 0]
        bytes += payload
        var checksum = transportChecksum(bytes, protocolNumber: Self.protocolNumber, source, destination)
        if checksum == 0 { checksum = 0xffff }
        bytes[6] = UInt8(checksum >> 8)
        bytes[7] = UInt8(checksum & 0xff)
        return bytes
    }

    /// Decodes a datagram; a length field longer than the bytes is an error, a shorter one trims the payload.
    /// The checksum is not checked, for the same reason as TCP's.
    package init(decoding bytes: some Collection<UInt8>) throws(DecodeError) {
        let all = ArraySlice(bytes)
        var reader = ByteReader(all)
        sourcePort = try reader.uint16("UDP source port")
        destinationPort = try reader.uint16("UDP destination port")
        let length = Int(try reader.uint16("UDP length"))
        _ = try reader.uint16("UDP checksum")
        guard length >= Self.headerLength, length <= all.count else { throw DecodeError("UDP length \(length)") }
        payload = Array(all.dropFirst(Self.headerLength).prefix(length - Self.headerLength))
    }
}

/// The checksum of a TCP or UDP `segment` with its IPv4 pseudo-header (RFC 793, RFC 768).
private func transportChecksum(
    _ segment: [UInt8],
    protocolNumber: UInt8,
    _ source: IPv4Address,
    _ destination: IPv4Address
) -> UInt16 {
    var pseudo = source.bytes + destination.bytes + [0, protocolNumber]
    pseudo.appendBigEndian(UInt16(segment.count))
    return internetChecksum(pseudo + segment)
}
