package import LinuxNet
package import PacketCodec

/// A crafted TCP SYN to the probed port: the SYN-ACK says something listens, a RST that nothing does; no
/// answer, that a filter on the way dropped the SYN or its answer.
///
/// Marked by its source port (`RunMarker.craftedPort`) and its sequence number, the run's nonce: the answer
/// acknowledges nonce + 1. The source's kernel, which has no socket for the crafted port, resets the
/// connection the SYN-ACK offers, so the target keeps nothing half-open.
package struct TCPProbe: CraftedProbe {
    package var number: UInt16
    package var port: UInt16? { number }
    package var kind: ProbeKind { .tcp }
    package var size: Int { IPv4Packet.headerLength + TCPSegment.headerLength }
    package var legend: String { "tcp: TCP SYN to port \(number), crafted" }
    package var lossMeaning: String {
        "a SYN to TCP \(number) drew neither SYN-ACK nor RST: a filter on the way drops it"
    }

    package init(port: UInt16) { number = port }

    package func frame(_ run: ProbeFrames, to destination: MACAddress) -> [UInt8] {
        let segment = TCPSegment(
            sourcePort: run.marker.craftedPort,
            destinationPort: number,
            sequence: run.marker.nonce,
            flags: TCPSegment.syn
        )
        return run.ipFrame(
            protocolNumber: TCPSegment.protocolNumber,
            payload: segment.encoded(source: run.sourceIP, destination: run.targetIP),
            identification: run.marker.identifier &+ 6,
            to: destination
        )
    }

    package func captureFilter(_ run: ProbeFrames, tagged: Bool) -> String {
        TCPProbe.portPairFilter(run, sourcePort: run.marker.craftedPort, port: number)
    }

    package func classify(_ ethernet: EthernetFrame, _ run: ProbeFrames) -> ProbeFrame? {
        guard
            let (segment, direction) = TCPProbe.segment(ethernet, run, sourcePort: run.marker.craftedPort, port: number)
        else { return nil }
        if direction == .reply, segment.acknowledgement != run.marker.nonce &+ 1 { return nil }
        return TCPProbe.probeFrame(kind, segment, direction, ethernet)
    }

    /// TCP between the two ends on the port pair, either way.
    static func portPairFilter(_ run: ProbeFrames, sourcePort: UInt16, port: UInt16) -> String {
        "(tcp and ((src port \(sourcePort) and dst port \(port)) or (src port \(port) and dst port \(sourcePort))))"
    }

    /// The segment of `ethernet` on the port pair between the two ends, and its direction.
    static func segment(
        _ ethernet: EthernetFrame,
        _ run: ProbeFrames,
        sourcePort: UInt16,
        port: UInt16
    )
        -> (TCPSegment, ProbeDirection)?
    {
        guard let (ip, direction) = run.ipPacket(ethernet, protocolNumber: TCPSegment.protocolNumber),
            let segment = try? TCPSegment(decoding: ip.payload)
        else { return nil }
        let ports = direction == .request ? (sourcePort, port) : (port, sourcePort)
        guard segment.sourcePort == ports.0, segment.destinationPort == ports.1 else { return nil }
        return (segment, direction)
    }

    /// The SYN as the request; the SYN-ACK or the RST as the reply (refused); any other segment is not the
    /// probe's (the source's own RST, the stack probe's ACK and FIN).
    static func probeFrame(
        _ kind: ProbeKind,
        _ segment: TCPSegment,
        _ direction: ProbeDirection,
        _ ethernet: EthernetFrame
    )
        -> ProbeFrame?
    {
        switch direction {
        case .request:
            guard segment.has(TCPSegment.syn), !segment.has(TCPSegment.ack) else { return nil }
            return ProbeFrame(probe: kind, direction: .request, ethernet: ethernet, answeredBy: nil)
        case .reply:
            if segment.has(TCPSegment.rst) {
                return ProbeFrame(
                    probe: kind,
                    direction: .reply,
                    ethernet: ethernet,
                    answeredBy: ethernet.source,
                    refused: true
                )
            }
            guard segment.has(TCPSegment.syn | TCPSegment.ack) else { return nil }
            return ProbeFrame(probe: kind, direction: .reply, ethernet: ethernet, answeredBy: ethernet.source)
        }
    }
}

/// A TCP connect to the probed port through the source's own stack, as the user's program would open it,
/// from the run's stack port (`RunMarker.stackPort`), so captures tell its SYN by the port pair.
package struct TCPStackProbe: StackProbe {
    package var number: UInt16
    package var port: UInt16? { number }
    package var kind: ProbeKind { .tcpStack }
    package var size: Int { IPv4Packet.headerLength + TCPSegment.headerLength }
    package var legend: String { "tcp-stack: TCP connect to port \(number) by the source's own kernel" }
    package var lossMeaning: String { "the source's own connect to TCP \(number) got no answer" }

    package init(port: UInt16) { number = port }

    package func captureFilter(_ run: ProbeFrames, tagged: Bool) -> String {
        TCPProbe.portPairFilter(run, sourcePort: run.marker.stackPort, port: number)
    }

    package func classify(_ ethernet: EthernetFrame, _ run: ProbeFrames) -> ProbeFrame? {
        guard let (segment, direction) = TCPProbe.segment(ethernet, run, sourcePort: run.marker.stackPort, port: number)
        else { return nil }
        return TCPProbe.probeFrame(kind, segment, direction, ethernet)
    }

    package func open(_ run: ProbeFrames) throws(SystemError) -> any StackExchange {
        TransportExchange(
            socket: try TransportSocket(stream: true, sourcePort: run.marker.stackPort),
            target: run.targetIP,
            port: number,
            payload: []
        )
    }
}

/// A stack transport probe's socket and what it sends.
struct TransportExchange: StackExchange {
    let socket: TransportSocket
    let target: IPv4Address
    let port: UInt16
    let payload: [UInt8]

    func run(deadlineNs: UInt64) -> StackOutcome {
        let (sentAt, answer) = socket.exchange(to: target.value, port: port, payload: payload, deadlineNs: deadlineNs)
        switch answer {
        case .answered(let at): return StackOutcome(sentAtNs: sentAt, answeredAtNs: at)
        case .refused(let at): return StackOutcome(sentAtNs: sentAt, answeredAtNs: at, refused: true)
        case .timedOut: return StackOutcome(sentAtNs: sentAt)
        // An error after the probe left (host unreachable after ARP failed) is no answer; one before it, a refusal
        // to send (no route, an OUTPUT rule's EPERM).
        case .failed(let error) where error.isHostUnreachable: return StackOutcome(sentAtNs: sentAt)
        case .failed(let error): return StackOutcome(sentAtNs: nil, sendError: "\(error)")
        }
    }
}

extension RunMarker {
    /// The source port of this run's crafted TCP and UDP probes: even, from 40000 to 59998.
    package var craftedPort: UInt16 { 40_000 + (identifier % 10_000) * 2 }
    /// The source port of this run's stack TCP and UDP probes: the one after `craftedPort`.
    package var stackPort: UInt16 { craftedPort + 1 }
}
