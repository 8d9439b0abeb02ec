package import PacketCodec

/// The name of one probe of a trace, as reports give it: `arp`, `icmp`, `icmp-mtu`, `stack`, `tcp`, `tcp-stack`,
/// `udp`, `udp-stack`. What a probe does is its `TraceProbe` type's; the name only identifies it.
///
/// A probe sent through the source's own stack is named `stack` or ends in `-stack`; every other is crafted.
package struct ProbeKind: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    package var rawValue: String

    package init(rawValue: String) { self.rawValue = rawValue }

    /// An ARP request for the target's address, broadcast.
    package static let arp = ProbeKind(rawValue: "arp")
    /// A small ICMP echo request to the MAC that answered the ARP.
    package static let icmp = ProbeKind(rawValue: "icmp")
    /// An ICMP echo request as large as the sender interface's MTU, with DF set.
    package static let icmpMTU = ProbeKind(rawValue: "icmp-mtu")
    /// A small ICMP echo request sent through the source namespace's kernel (a raw IP socket, as `ping`
    /// does): its route lookup, neighbour cache, OUTPUT hook and, for the reply, rp_filter and INPUT hook.
    package static let stack = ProbeKind(rawValue: "stack")
    /// A crafted TCP SYN to the probed port.
    package static let tcp = ProbeKind(rawValue: "tcp")
    /// A TCP connect to the probed port through the source's own stack.
    package static let tcpStack = ProbeKind(rawValue: "tcp-stack")
    /// A crafted UDP datagram to the probed port.
    package static let udp = ProbeKind(rawValue: "udp")
    /// A UDP datagram to the probed port through the source's own stack (a connected socket).
    package static let udpStack = ProbeKind(rawValue: "udp-stack")

    /// Whether lxcdiag wrote the whole frame itself (the source's stack took no part).
    package var isCrafted: Bool { rawValue != "stack" && !rawValue.hasSuffix("-stack") }

    /// The protocol the probe speaks, its name without `-stack`: `tcp` for `tcp-stack`, `icmp` for `stack`.
    package var transport: String {
        if rawValue == "stack" || rawValue == "icmp-mtu" { return "icmp" }
        return rawValue.hasSuffix("-stack") ? String(rawValue.dropLast("-stack".count)) : rawValue
    }

    package var description: String { rawValue }
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

/// One run's identity and both ends, and the probes it sends: builds their frames, the kernel filter that
/// passes only them, and recognises them in captures (each probe matches its own).
package struct ProbeFrames: Sendable {
    /// Offset of the nonce in the ARP request: right after the 14-byte Ethernet header and 28-byte ARP body,
    /// in the padding up to the 60-byte minimum frame.
    static let arpNonceOffset = EthernetFrame.headerLength + ARPPacket.length
    static let payloadTag = Array("lxcdiag".utf8)

    package var marker: RunMarker
    package var sourceMAC: MACAddress
    package var sourceIP: IPv4Address
    package var targetIP: IPv4Address
    /// The probes of the run, in the order they are reported.
    package var probes: [any TraceProbe]

    package init(
        marker: RunMarker,
        sourceMAC: MACAddress,
        sourceIP: IPv4Address,
        targetIP: IPv4Address,
        probes: [any TraceProbe] = ProbeCatalog.standard
    ) {
        self.marker = marker
        self.sourceMAC = sourceMAC
        self.sourceIP = sourceIP
        self.targetIP = targetIP
        self.probes = probes
    }

    /// The broadcast ARP request for the target, with the nonce in its padding.
    package func arpRequest() -> [UInt8] { ARPProbe().request(self) }

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
            sequence: EchoProbe.sequence(of: probe),
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
            && icmp.sequence == EchoProbe.sequence(of: probe) && icmp.payload.starts(with: marker.nonceBytes)
    }

    /// An ICMP echo request to `destinationMAC` whose IPv4 total length is `size`, DF set.
    package func echoRequest(_ probe: ProbeKind, size: Int, destinationMAC: MACAddress) -> [UInt8] {
        ipFrame(
            protocolNumber: IPv4Packet.protocolICMP,
            payload: echoMessage(probe, size: size),
            identification: marker.identifier &+ EchoProbe.sequence(of: probe),
            to: destinationMAC
        )
    }

    /// An IPv4 frame from the source to the target, DF set.
    func ipFrame(
        protocolNumber: UInt8,
        payload: [UInt8],
        identification: UInt16,
        to destination: MACAddress
    )
        -> [UInt8]
    {
        let ip = IPv4Packet(
            source: sourceIP,
            destination: targetIP,
            protocolNumber: protocolNumber,
            payload: payload,
            identification: identification,
            dontFragment: true
        )
        return EthernetFrame(
            destination: destination,
            source: sourceMAC,
            etherType: EtherType.ipv4,
            payload: ip.encoded()
        )
        .encoded()
    }

    /// A tcpdump-syntax filter passing only this run's frames, tagged or not: each probe's own part (the
    /// marked ARP request, ARP replies from the target to the source, echo requests and replies with this
    /// run's id and nonce, the transport probes' port pairs).
    package var captureFilter: String {
        var untagged: [String] = []
        var tagged: [String] = []
        for probe in probes {
            let own = probe.captureFilter(self, tagged: false)
            if !untagged.contains(own) { untagged.append(own) }
            let inTag = probe.captureFilter(self, tagged: true)
            if !tagged.contains(inTag) { tagged.append(inTag) }
        }
        return "(\(untagged.joined(separator: " or "))) or (vlan and (\(tagged.joined(separator: " or "))))"
    }

    /// What a captured frame is to this run, or nil when it is not one of its probe frames.
    package func classify(_ bytes: [UInt8]) -> ProbeFrame? {
        guard let ethernet = try? EthernetFrame(decoding: bytes) else { return nil }
        for probe in probes {
            if let frame = probe.classify(ethernet, self) { return frame }
        }
        return nil
    }

    /// The IPv4 packet of `ethernet` between the two ends with `protocolNumber`, and whether it is a request
    /// (source to target) or a reply.
    func ipPacket(_ ethernet: EthernetFrame, protocolNumber: UInt8) -> (IPv4Packet, ProbeDirection)? {
        guard ethernet.etherType == EtherType.ipv4, let ip = try? IPv4Packet(decoding: ethernet.payload),
            ip.protocolNumber == protocolNumber
        else { return nil }
        if ip.source == sourceIP, ip.destination == targetIP { return (ip, .request) }
        if ip.source == targetIP, ip.destination == sourceIP { return (ip, .reply) }
        return nil
    }

    static func hexWord(_ value: UInt32) -> String { "0x" + String(value, radix: 16) }
    static func hexWord(_ value: UInt16) -> String { "0x" + String(value, radix: 16) }
}

/// One of this run's probe frames as a capture saw it.
package struct ProbeFrame: Sendable, Hashable {
    package var probe: ProbeKind
    package var direction: ProbeDirection
    package var ethernet: EthernetFrame
    /// For replies: the MAC that answered (the ARP sender hardware address, or the echo reply's source MAC).
    package var answeredBy: MACAddress?
    /// For replies: the answer says nothing listens there (a TCP RST, an ICMP port unreachable).
    package var refused = false

    package init(
        probe: ProbeKind,
        direction: ProbeDirection,
        ethernet: EthernetFrame,
        answeredBy: MACAddress?,
        refused: Bool = false
    ) {
        self.probe = probe
        self.direction = direction
        self.ethernet = ethernet
        self.answeredBy = answeredBy
        self.refused = refused
    }
}
