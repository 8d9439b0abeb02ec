package import LinuxNet
package import PacketCodec

/// The broadcast ARP request for the target, with the run's nonce in its padding. It goes first: the MAC that
/// answers is where every crafted probe is sent.
///
/// ARP replies are made by the target's kernel and carry no mark; they are recognised by the address pair.
package struct ARPProbe: TraceProbe {
    package var kind: ProbeKind { .arp }
    package var size: Int { ARPPacket.length }
    package var legend: String { "arp: ARP request for the target, broadcast" }
    package var lossMeaning: String { "no MAC answered for the target's address" }

    package init() {}

    func request(_ run: ProbeFrames) -> [UInt8] {
        let arp = ARPPacket(
            operation: .request,
            senderMAC: run.sourceMAC,
            senderIP: run.sourceIP,
            targetMAC: .zero,
            targetIP: run.targetIP
        )
        var bytes = EthernetFrame(
            destination: .broadcast,
            source: run.sourceMAC,
            etherType: EtherType.arp,
            payload: arp.encoded()
        ).encoded()
        let offset = ProbeFrames.arpNonceOffset
        bytes.replaceSubrange(offset..<offset + 4, with: run.marker.nonceBytes)
        return bytes
    }

    package func captureFilter(_ run: ProbeFrames, tagged: Bool) -> String {
        let source = ProbeFrames.hexWord(run.sourceIP.value)
        let target = ProbeFrames.hexWord(run.targetIP.value)
        let request = "(arp[6:2] = 1 and arp[14:4] = \(source) and arp[24:4] = \(target))"
        let reply = "(arp[6:2] = 2 and arp[14:4] = \(target) and arp[24:4] = \(source))"
        // The nonce sits in the padding, which the filter reads by Ethernet offset (untagged frames only; a
        // tagged request is matched by its addresses alone).
        if tagged { return "\(request) or \(reply)" }
        return "(\(request) and ether[\(ProbeFrames.arpNonceOffset):4] = \(ProbeFrames.hexWord(run.marker.nonce))) "
            + "or \(reply)"
    }

    package func classify(_ ethernet: EthernetFrame, _ run: ProbeFrames) -> ProbeFrame? {
        guard ethernet.etherType == EtherType.arp, let arp = try? ARPPacket(decoding: ethernet.payload) else {
            return nil
        }
        if arp.operation == .request, arp.senderIP == run.sourceIP, arp.targetIP == run.targetIP {
            // Untagged requests carry the nonce in the padding; without it, another run's request.
            let offset = ProbeFrames.arpNonceOffset - EthernetFrame.headerLength
            let padding = Array(ethernet.payload.dropFirst(offset).prefix(4))
            if ethernet.vlanTags.isEmpty, padding != run.marker.nonceBytes { return nil }
            return ProbeFrame(probe: .arp, direction: .request, ethernet: ethernet, answeredBy: nil)
        }
        if arp.operation == .reply, arp.senderIP == run.targetIP, arp.targetIP == run.sourceIP {
            return ProbeFrame(probe: .arp, direction: .reply, ethernet: ethernet, answeredBy: arp.senderMAC)
        }
        return nil
    }
}

/// An ICMP echo request or its reply, told apart from the run's other echo probes by the sequence number.
package struct EchoProbe: CraftedProbe {
    package var kind: ProbeKind
    package var size: Int
    var sequence: UInt16

    package var legend: String { "\(kind): ICMP echo request of \(size) bytes, DF set, to the MAC that answered ARP" }
    package var lossMeaning: String { "the echo request or its reply was dropped on the way" }

    /// The sequence number each echo probe carries (ARP and the transport probes have none).
    static func sequence(of kind: ProbeKind) -> UInt16 {
        switch kind {
        case .icmp: 1
        case .icmpMTU: 2
        case .stack: 3
        default: 0
        }
    }

    package func frame(_ run: ProbeFrames, to destination: MACAddress) -> [UInt8] {
        run.echoRequest(kind, size: size, destinationMAC: destination)
    }

    package func captureFilter(_ run: ProbeFrames, tagged: Bool) -> String {
        "(icmp and icmp[4:2] = \(run.marker.identifier) and icmp[8:4] = \(ProbeFrames.hexWord(run.marker.nonce)))"
    }

    package func classify(_ ethernet: EthernetFrame, _ run: ProbeFrames) -> ProbeFrame? {
        Self.classifyEcho(ethernet, run, kind: kind, sequence: sequence)
    }

    static func classifyEcho(
        _ ethernet: EthernetFrame,
        _ run: ProbeFrames,
        kind: ProbeKind,
        sequence: UInt16
    )
        -> ProbeFrame?
    {
        guard let (ip, direction) = run.ipPacket(ethernet, protocolNumber: IPv4Packet.protocolICMP),
            let icmp = try? ICMPMessage(decoding: ip.payload), icmp.identifier == run.marker.identifier,
            icmp.sequence == sequence, icmp.payload.starts(with: run.marker.nonceBytes)
        else { return nil }
        switch (direction, icmp.type) {
        case (.request, ICMPMessage.echoRequest):
            return ProbeFrame(probe: kind, direction: .request, ethernet: ethernet, answeredBy: nil)
        case (.reply, ICMPMessage.echoReply):
            return ProbeFrame(probe: kind, direction: .reply, ethernet: ethernet, answeredBy: ethernet.source)
        default:
            return nil
        }
    }
}

/// A small echo request through the source namespace's own stack (a raw ICMP socket, as `ping`).
package struct StackEchoProbe: StackProbe {
    package var size: Int
    package var kind: ProbeKind { .stack }
    package var legend: String { "stack: echo request sent by the source's own kernel" }
    package var lossMeaning: String { "the source's own echo request got no answer" }

    package init(size: Int) { self.size = size }

    package func captureFilter(_ run: ProbeFrames, tagged: Bool) -> String {
        EchoProbe(kind: .stack, size: size, sequence: 3).captureFilter(run, tagged: tagged)
    }

    package func classify(_ ethernet: EthernetFrame, _ run: ProbeFrames) -> ProbeFrame? {
        EchoProbe.classifyEcho(ethernet, run, kind: .stack, sequence: 3)
    }

    package func open(_ run: ProbeFrames) throws(SystemError) -> any StackExchange {
        StackEcho(socket: try ICMPSocket(), run: run, size: size)
    }
}

/// The stack echo probe's socket and what it sends.
private struct StackEcho: StackExchange {
    let socket: ICMPSocket
    let run: ProbeFrames
    let size: Int

    func run(deadlineNs: UInt64) -> StackOutcome {
        let sentAt = realtimeNanoseconds()
        do {
            try socket.send(run.echoMessage(.stack, size: size), to: run.targetIP.value)
        } catch {
            // The kernel refused it outright: no route (ENETUNREACH), an OUTPUT rule (EPERM), ...
            return StackOutcome(sentAtNs: nil, sendError: "\(error)")
        }
        while let datagram = try? socket.receive(deadlineNs: deadlineNs) {
            if run.isEchoReply(datagram.bytes, to: .stack) {
                return StackOutcome(sentAtNs: sentAt, answeredAtNs: datagram.receivedAtNs)
            }
        }
        return StackOutcome(sentAtNs: sentAt)
    }
}
