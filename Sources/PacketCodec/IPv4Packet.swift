/// An IPv4 packet without options on send; options are skipped on receive.
package struct IPv4Packet: Sendable, Hashable {
    package static let headerLength = 20
    package static let protocolICMP: UInt8 = 1

    package var typeOfService: UInt8
    package var identification: UInt16
    package var dontFragment: Bool
    package var moreFragments: Bool
    package var fragmentOffset: UInt16
    package var timeToLive: UInt8
    package var protocolNumber: UInt8
    package var source: IPv4Address
    package var destination: IPv4Address
    package var payload: [UInt8]

    package init(
        source: IPv4Address,
        destination: IPv4Address,
        protocolNumber: UInt8,
        payload: [UInt8],
        identification: UInt16 = 0,
        dontFragment: Bool = true,
        timeToLive: UInt8 = 64,
        typeOfService: UInt8 = 0
    ) {
        self.typeOfService = typeOfService
        self.identification = identification
        self.dontFragment = dontFragment
        self.moreFragments = false
        self.fragmentOffset = 0
        self.timeToLive = timeToLive
        self.protocolNumber = protocolNumber
        self.source = source
        self.destination = destination
        self.payload = payload
    }

    package var totalLength: Int { Self.headerLength + payload.count }

    package func encoded() -> [UInt8] {
        var header: [UInt8] = [0x45, typeOfService]
        header.appendBigEndian(UInt16(totalLength))
        header.appendBigEndian(identification)
        let flags: UInt16 = (dontFragment ? 0x4000 : 0) | (moreFragments ? 0x2000 : 0) | (fragmentOffset & 0x1fff)
        header.appendBigEndian(flags)
        header += [timeToLive, protocolNumber, 0, 0]
        header += source.bytes + destination.bytes
        let checksum = internetChecksum(header)
        header[10] = UInt8(checksum >> 8)
        header[11] = UInt8(checksum & 0xff)
        return header + payload
    }

    /// Decodes a packet, dropping Ethernet padding beyond the IP total length.
    package init(decoding bytes: some Collection<UInt8>) throws(DecodeError) {
        let all = ArraySlice(bytes)
        var reader = ByteReader(all)
        let versionAndLength = try reader.uint8("IPv4 version")
        guard versionAndLength >> 4 == 4 else { throw DecodeError("IP version \(versionAndLength >> 4), not 4") }
        let headerLength = Int(versionAndLength & 0x0f) * 4
        guard headerLength >= Self.headerLength else { throw DecodeError("IPv4 header length \(headerLength)") }
        typeOfService = try reader.uint8("IPv4 TOS")
        let total = Int(try reader.uint16("IPv4 total length"))
        guard total >= headerLength, total <= all.count else {
            throw DecodeError("IPv4 total length \(total) does not fit \(all.count) bytes")
        }
        identification = try reader.uint16("IPv4 identification")
        let flags = try reader.uint16("IPv4 flags")
        dontFragment = flags & 0x4000 != 0
        moreFragments = flags & 0x2000 != 0
        fragmentOffset = flags & 0x1fff
        timeToLive = try reader.uint8("IPv4 TTL")
        protocolNumber = try reader.uint8("IPv4 protocol")
        _ = try reader.uint16("IPv4 checksum")
        source = IPv4Address(bytes: try reader.take(4, "IPv4 source"))
        destination = IPv4Address(bytes: try reader.take(4, "IPv4 destination"))
        let start = all.startIndex
        guard internetChecksum(all[start..<start + headerLength]) == 0 else {
            throw DecodeError("bad IPv4 header checksum")
        }
        payload = Array(all[(start + headerLength)..<(start + total)])
    }
}

/// An ICMP message; echo request/reply carry identifier and sequence in the rest-of-header.
package struct ICMPMessage: Sendable, Hashable {
    package static let echoReply: UInt8 = 0
    package static let destinationUnreachable: UInt8 = 3
    package static let echoRequest: UInt8 = 8
    package static let timeExceeded: UInt8 = 11

    package var type: UInt8
    package var code: UInt8
    package var identifier: UInt16
    package var sequence: UInt16
    package var payload: [UInt8]

    package init(type: UInt8, code: UInt8 = 0, identifier: UInt16, sequence: UInt16, payload: [UInt8]) {
        self.type = type
        self.code = code
        self.identifier = identifier
        self.sequence = sequence
        self.payload = payload
    }

    package func encoded() -> [UInt8] {
        var bytes: [UInt8] = [type, code, 0, 0]
        bytes.appendBigEndian(identifier)
        bytes.appendBigEndian(sequence)
        bytes += payload
        let checksum = internetChecksum(bytes)
        bytes[2] = UInt8(checksum >> 8)
        bytes[3] = UInt8(checksum & 0xff)
        return bytes
    }

    package init(decoding bytes: some Collection<UInt8>) throws(DecodeError) {
        let all = ArraySlice(bytes)
        var reader = ByteReader(all)
        type = try reader.uint8("ICMP type")
        code = try reader.uint8("ICMP code")
        _ = try reader.uint16("ICMP checksum")
        identifier = try reader.uint16("ICMP identifier")
        sequence = try reader.uint16("ICMP sequence")
        payload = Array(reader.rest())
        guard internetChecksum(all) == 0 else { throw DecodeError("bad ICMP checksum") }
    }
}
