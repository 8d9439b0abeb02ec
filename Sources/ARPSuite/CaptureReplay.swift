import PacketCodec

extension ARPFrame {
    /// libpcap's link types `arp watch -r` reads: Ethernet, and Linux cooked capture v1 and v2 (what `tcpdump -i
    /// any` writes).
    package static let readableLinkTypes: [Int: String] = [1: "Ethernet", 113: "Linux cooked", 276: "Linux cooked v2"]

    /// Decodes the ARP frame of a capture file's record whose link type is `linkType` (see `readableLinkTypes`).
    /// Cooked captures carry no destination address and only the sender's: the frame gets the zero MAC for what
    /// is missing. Nil for frames that are not ARP, malformed, or of another link type.
    package init?(captured bytes: [UInt8], linkType: Int) {
        switch linkType {
        case 1:
            self.init(bytes: bytes)
        case 113, 276:
            // v1: pkttype, hatype, halen, address[8], protocol; v2: protocol, reserved, ifindex, hatype, pkttype,
            // halen, address[8].
            let header = linkType == 113 ? 16 : 20
            let protocolOffset = linkType == 113 ? 14 : 0
            let addressOffset = linkType == 113 ? 6 : 12
            let lengthOffset = linkType == 113 ? 5 : 11
            guard bytes.count >= header + ARPPacket.length,
                UInt16(bytes[protocolOffset]) << 8 | UInt16(bytes[protocolOffset + 1]) == EtherType.arp,
                let packet = try? ARPPacket(decoding: bytes[header..<(header + ARPPacket.length)])
            else { return nil }
            let source =
                bytes[lengthOffset] == 6 ? MACAddress(Array(bytes[addressOffset..<(addressOffset + 6)])) : .zero
            self.init(destination: .zero, source: source, packet: packet)
        default:
            return nil
        }
    }
}

/// `arp watch -r FILE`: the frames of a capture file given to the watch state in file order, at their capture
/// times, so a recording yields the events watching live would have (its timing windows measured on the
/// capture's clock). Pure: the caller reads the file.
package struct CaptureReplay: Sendable {
    /// Where events say they were seen: the file.
    package var location: String
    package var linkType: Int
    package private(set) var frameCount = 0
    package private(set) var arpCount = 0

    package init(location: String, linkType: Int) {
        self.location = location
        self.linkType = linkType
    }

    /// Feeds one record captured at `timeNs` (wall clock) to `state`; returns the events it caused.
    package mutating func take(_ bytes: [UInt8], timeNs: UInt64, into state: inout WatchState) -> [WatchEvent] {
        frameCount += 1
        guard let frame = ARPFrame(captured: bytes, linkType: linkType) else { return state.expire(nowNs: timeNs) }
        arpCount += 1
        return state.observe(frame.packet, at: location, timeNs: timeNs)
    }
}
