package import PacketCodec

/// The probes of a trace: three crafted frames sent on the source's interface, and one echo request sent
/// through the source namespace's own stack.
package enum ProbeKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// An ARP request for the target's address, broadcast.
    case arp
    /// A small ICMP echo request to the MAC that answered the ARP.
    case icmp
    /// An ICMP echo request as large as the sender interface's MTU, with DF set.
    case icmpMTU = "icmp-mtu"
    /// A small ICMP echo request sent through the source namespace's kernel (a raw IP socket, as `ping`
    /// does): its route lookup, neighbour cache, OUTPUT hook and, for the reply, rp_filter and INPUT hook.
    case stack

    /// The ICMP sequence number the probe carries (ARP has none).
    var sequence: UInt16 {
        switch self {
        case .arp: 0
        case .icmp: 1
        case .icmpMTU: 2
        case .stack: 3
        }
    }

    /// Whether lxcdiag wrote the whole frame itself (the source's stack took no part).
    package var isCrafted: Bool { self != .stack }
}

/// Which way a probe frame travels: the request from source to target, or the reply back.
package enum ProbeDirection: String, Sendable, Hashable, Codable {
    case request
    case reply
}

/// What marks one run's frames so two traces at once never read each other's: the ICMP identifier and a
/// nonce at the start of every echo payload and in the padding of the ARP request.
///
/// ARP replies are made by the target's kernel and carry no mark; they are recognised by the address pair,
/// so two runs between the same ends both count the same replies, which are the same frames for both.
package struct RunMarker: Sendable, Hashable {
    package var identifier: UInt16
    package var nonce: UInt32

    package init(identifier: UInt16, nonce: UInt32) {
        self.identifier = identifier
        self.nonce = nonce
    }

    /// A fresh marker; the nonce is never zero so it never matches zero padding.
    package static func random() -> RunMarker {
        RunMarker(identifier: UInt16.random(in: 1...0xfffe), nonce: UInt32.random(in: 1...0xffff_fffe))
    }

    /// The run id shown in output: identifier and nonce in hex.
    package var runID: String {
        let id = String(identifier, radix: 16)
        let nonceText = String(nonce, radix: 16)
        return String(repeating: "0", count: 4 - id.count) + id + "-"
            + String(repeating: "0", count: 8 - nonceText.count) + nonceText
    }

    var nonceBytes: [UInt8] {
        [UInt8(nonce >> 24), UInt8(nonce >> 16 & 0xff), UInt8(nonce >> 8 & 0xff), UInt8(nonce & 0xff)]
    }
}

/// Builds this run's probe frames, the kernel filter that passes only them, and recognises them in captures.
package struct ProbeFrames: Sendable {
    /// Offset of the nonce in the ARP request: right after the 14-byte Ethernet header and 28-byte ARP body,
    /// in the padding up to the 60-byte minimum frame.
    static let arpNonceOffset = EthernetFrame.headerLength + ARPPacket.length
    static let payloadTag = Array("lxcdiag".utf8)

    package var marker: RunMarker
    package var sourceMAC: MACAddress
    package var sourceIP: IPv4Address
    package var targetIP: IPv4Address

    package init(marker: RunMarker, sourceMAC: MACAddress, sourceIP: IPv4Address, targetIP: IPv4Address) {
        self.marker = marker
        self.sourceMAC = sourceMAC
        self.sourceIP = sourceIP
        self.targetIP = targetIP
    }

    /// The broadcast ARP request for the target, with the nonce in its padding.
    package func arpRequest() -> [UInt8] {
        let arp = ARPPacket(
            operation: .request,
            senderMAC: sourceMAC,
            senderIP: sourceIP,
            targetMAC: .zero,
            targetIP: targetIP
        )
        var bytes = EthernetFrame(
            destination: .broadcast,
            source: sourceMAC,
            etherType: EtherType.arp,
            payload: arp.encoded()
        ).encoded()
        bytes.replaceSubrange(Self.arpNonceOffset..<Self.arpNonceOffset + 4, with: marker.nonceBytes)
        return bytes
    }

    /// The ICMP echo request (header and payload, no IPv4 header) of `probe` for an IPv4 total length of
    /// `size`: this run's identifier, the probe's sequence number, the nonce first in the payload. The stack
    /// probe hands exactly this to the kernel, which keeps the identifier of a raw socket's message.
    package func echoMessage(_ probe: ProbeKind, size: Int) -> [UInt8] {
        let headers = IPv4Packet.headerLength + 8
        let fillCount = max(size - headers - 4 - Self.payloadTag.count, 0)
        let fill = (0..<fillCount).map { UInt8(truncatingIfNeeded: $0) }
        return ICMPMessage(
            type: ICMPMessage.echoRequest,
            identifier: marker.identifier,
            sequence: probe.sequence,
            payload: marker.nonceBytes + Self.payloadTag + fill
        ).encoded()
    }

    /// Whether `packet` (an IPv4 packet, as a raw ICMP socket receives it) is the target's echo reply to this
    /// run's `probe`.
    package func isEchoReply(_ packet: [UInt8], to probe: ProbeKind) -> Bool {
        guard let ip = try? IPv4Packet(decoding: packet), ip.protocolNumber == IPv4Packet.protocolICMP,
            ip.source == targetIP, let icmp = try? ICMPMessage(decoding: ip.payload)
        else { return false }
        return icmp.type == ICMPMessage.echoReply && icmp.identifier == marker.identifier
            && icmp.sequence == probe.sequence && icmp.payload.starts(with: marker.nonceBytes)
    }

    /// An ICMP echo request to `destinationMAC` whose IPv4 total length is `size`, DF set.
    package func echoRequest(_ probe: ProbeKind, size: Int, destinationMAC: MACAddress) -> [UInt8] {
        let ip = IPv4Packet(
            source: sourceIP,
            destination: targetIP,
            protocolNumber: IPv4Packet.protocolICMP,
            payload: echoMessage(probe, size: size),
            identification: marker.identifier &+ probe.sequence,
            dontFragment: true
        )
        return EthernetFrame(
            destination: destinationMAC,
            source: sourceMAC,
            etherType: EtherType.ipv4,
            payload: ip.encoded()
        ).encoded()
    }

    /// A tcpdump-syntax filter passing only this run's frames, tagged or not: the marked ARP request, ARP
    /// replies from the target to the source, and echo requests and replies with this run's id and nonce.
    package var captureFilter: String {
        let source = hexWord(sourceIP.value)
        let target = hexWord(targetIP.value)
        let arpRequest = "(arp[6:2] = 1 and arp[14:4] = \(source) and arp[24:4] = \(target))"
        let arpReply = "(arp[6:2] = 2 and arp[14:4] = \(target) and arp[24:4] = \(source))"
        let echo = "(icmp and icmp[4:2] = \(marker.identifier) and icmp[8:4] = \(hexWord(marker.nonce)))"
        // The ARP nonce sits in the padding, which the filter reads by Ethernet offset (untagged frames only;
        // a tagged request is matched by its addresses alone).
        let untagged =
            "(\(arpRequest) and ether[\(Self.arpNonceOffset):4] = \(hexWord(marker.nonce))) or \(arpReply) or \(echo)"
        let tagged = "\(arpRequest) or \(arpReply) or \(echo)"
        return "(\(untagged)) or (vlan and (\(tagged)))"
    }

    /// What a captured frame is to this run, or nil when it is not one of its probe frames.
    package func classify(_ bytes: [UInt8]) -> ProbeFrame? {
        guard let ethernet = try? EthernetFrame(decoding: bytes) else { return nil }
        switch ethernet.etherType {
        case EtherType.arp:
            guard let arp = try? ARPPacket(decoding: ethernet.payload) else { return nil }
            if arp.operation == .request, arp.senderIP == sourceIP, arp.targetIP == targetIP {
                // Untagged requests carry the nonce in the padding; without it, another run's request.
                let offset = Self.arpNonceOffset - EthernetFrame.headerLength
                let padding = Array(ethernet.payload.dropFirst(offset).prefix(4))
                if ethernet.vlanTags.isEmpty, padding != marker.nonceBytes { return nil }
                return ProbeFrame(probe: .arp, direction: .request, ethernet: ethernet, answeredBy: nil)
            }
            if arp.operation == .reply, arp.senderIP == targetIP, arp.targetIP == sourceIP {
                return ProbeFrame(probe: .arp, direction: .reply, ethernet: ethernet, answeredBy: arp.senderMAC)
            }
            return nil
        case EtherType.ipv4:
            guard let ip = try? IPv4Packet(decoding: ethernet.payload), ip.protocolNumber == IPv4Packet.protocolICMP,
                let icmp = try? ICMPMessage(decoding: ip.payload), icmp.identifier == marker.identifier,
                icmp.payload.starts(with: marker.nonceBytes)
            else { return nil }
            guard let probe = ProbeKind.allCases.first(where: { $0 != .arp && $0.sequence == icmp.sequence }) else {
                return nil
            }
            if icmp.type == ICMPMessage.echoRequest, ip.source == sourceIP, ip.destination == targetIP {
                return ProbeFrame(probe: probe, direction: .request, ethernet: ethernet, answeredBy: nil)
            }
            if icmp.type == ICMPMessage.echoReply, ip.source == targetIP, ip.destination == sourceIP {
                return ProbeFrame(probe: probe, direction: .reply, ethernet: ethernet, answeredBy: ethernet.source)
            }
            return nil
        default:
            return nil
        }
    }

    private func hexWord(_ value: UInt32) -> String { "0x" + String(value, radix: 16) }
    private func hexWord(_ value: UInt16) -> String { "0x" + String(value, radix: 16) }
}

/// One of this run's probe frames as a capture saw it.
package struct ProbeFrame: Sendable, Hashable {
    package var probe: ProbeKind
    package var direction: ProbeDirection
    package var ethernet: EthernetFrame
    /// For replies: the MAC that answered (the ARP sender hardware address, or the echo reply's source MAC).
    package var answeredBy: MACAddress?
}
