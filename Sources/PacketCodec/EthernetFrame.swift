/// Ethernet protocol numbers lxcdiag speaks.
package enum EtherType {
    package static let ipv4: UInt16 = 0x0800
    package static let arp: UInt16 = 0x0806
    package static let vlan: UInt16 = 0x8100
    package static let qinq: UInt16 = 0x88a8
}

/// One 802.1Q (or 802.1ad) tag.
package struct VLANTag: Sendable, Hashable {
    package var protocolID: UInt16
    package var priority: UInt8
    package var dropEligible: Bool
    package var id: UInt16

    package init(id: UInt16, priority: UInt8 = 0, dropEligible: Bool = false, protocolID: UInt16 = EtherType.vlan) {
        precondition(id < 4096, "VLAN ids are 12 bits")
        self.protocolID = protocolID
        self.priority = priority & 7
        self.dropEligible = dropEligible
        self.id = id
    }

    /// Builds a tag from a TCI as PACKET_AUXDATA or pcap report it.
    package init(tci: UInt16, protocolID: UInt16 = EtherType.vlan) {
        self.init(id: tci & 0x0fff, priority: UInt8(tci >> 13), dropEligible: tci & 0x1000 != 0, protocolID: protocolID)
    }

    package var tci: UInt16 { UInt16(priority) << 13 | (dropEligible ? 0x1000 : 0) | id }
}

/// An Ethernet II frame, with any 802.1Q tags between the source address and the EtherType.
package struct EthernetFrame: Sendable, Hashable {
    package static let headerLength = 14
    /// The shortest frame on the wire without the FCS; shorter frames are padded.
    package static let minimumLength = 60

    package var destination: MACAddress
    package var source: MACAddress
    package var vlanTags: [VLANTag]
    package var etherType: UInt16
    package var payload: [UInt8]

    package init(
        destination: MACAddress,
        source: MACAddress,
        vlanTags: [VLANTag] = [],
        etherType: UInt16,
        payload: [UInt8]
    ) {
        self.destination = destination
        self.source = source
        self.vlanTags = vlanTags
        self.etherType = etherType
        self.payload = payload
    }

    /// Encodes the frame, padded with zeros to the 60-byte minimum.
    package func encoded() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.headerLength + 4 * vlanTags.count + payload.count)
        bytes += destination.bytes
        bytes += source.bytes
        for tag in vlanTags {
            bytes.appendBigEndian(tag.protocolID)
            bytes.appendBigEndian(tag.tci)
        }
        bytes.appendBigEndian(etherType)
        bytes += payload
        if bytes.count < Self.minimumLength { bytes += [UInt8](repeating: 0, count: Self.minimumLength - bytes.count) }
        return bytes
    }

    /// Decodes a frame; trailing padding stays in `payload` (the inner protocol knows its own length).
    package init(decoding bytes: some Collection<UInt8>) throws(DecodeError) {
        var reader = ByteReader(ArraySlice(bytes))
        destination = MACAddress(Array(try reader.take(6, "Ethernet destination")))
        source = MACAddress(Array(try reader.take(6, "Ethernet source")))
        var type = try reader.uint16("EtherType")
        var tags: [VLANTag] = []
        while type == EtherType.vlan || type == EtherType.qinq {
            guard tags.count < 4 else { throw DecodeError("more than 4 VLAN tags") }
            let tci = try reader.uint16("802.1Q tag")
            tags.append(VLANTag(tci: tci, protocolID: type))
            type = try reader.uint16("EtherType after 802.1Q tag")
        }
        guard type >= 0x0600 else { throw DecodeError("802.3 length field \(type), not an Ethernet II frame") }
        vlanTags = tags
        etherType = type
        payload = Array(reader.rest())
    }
}
