package import LinuxNet
package import PacketCodec

/// A crafted UDP datagram to the probed port: a reply says something answers, an ICMP port unreachable that
/// nothing listens; no answer, that a filter dropped it (or a listener that never answers got it: UDP cannot
/// tell those apart, the captures can).
///
/// Marked by its source port (`RunMarker.craftedPort`) and the run's nonce first in its payload.
package struct UDPProbe: CraftedProbe {
    package var number: UInt16
    package var port: UInt16? { number }
    package var kind: ProbeKind { .udp }
    package var size: Int {
        IPv4Packet.headerLength + UDPDatagram.headerLength + UDPProbe.payload(RunMarker.zero).count
    }
    package var legend: String { "udp: UDP datagram to port \(number), crafted" }
    package var lossMeaning: String { "a datagram to UDP \(number) drew neither a reply nor a port unreachable" }

    package init(port: UInt16) { number = port }

    static func payload(_ marker: RunMarker) -> [UInt8] { marker.nonceBytes + ProbeFrames.payloadTag }

    package func frame(_ run: ProbeFrames, to destination: MACAddress) -> [UInt8] {
        let datagram = UDPDatagram(
            sourcePort: run.marker.craftedPort,
            destinationPort: number,
            payload: Self.payload(run.marker)
        )
        return run.ipFrame(
            protocolNumber: UDPDatagram.protocolNumber,
            payload: datagram.encoded(source: run.sourceIP, destination: run.targetIP),
            identification: run.marker.identifier &+ 17,
            to: destination
        )
    }

    package func captureFilter(_ run: ProbeFrames, tagged: Bool) -> String {
        Self.filter(sourcePort: run.marker.craftedPort, port: number)
    }

    package func classify(_ ethernet: EthernetFrame, _ run: ProbeFrames) -> ProbeFrame? {
        Self.classify(ethernet, run, kind: kind, sourcePort: run.marker.craftedPort, port: number)
    }

    /// The datagrams on the port pair, and ICMP port unreachables quoting one (ICMP header 8 bytes, then the
    /// quoted IPv4 header, 20 bytes without options, then the quoted UDP ports).
    static func filter(sourcePort: UInt16, port: UInt16) -> String {
        "(udp and ((src port \(sourcePort) and dst port \(port)) or (src port \(port) and dst port \(sourcePort))))"
            + " or (icmp and icmp[0] = 3 and icmp[1] = 3 and icmp[28:2] = \(sourcePort) and icmp[30:2] = \(port))"
    }

    static func classify(
        _ ethernet: EthernetFrame,
        _ run: ProbeFrames,
        kind: ProbeKind,
        sourcePort: UInt16,
        port: UInt16
    )
        -> ProbeFrame?
    {
        if let (ip, direction) = run.ipPacket(ethernet, protocolNumber: UDPDatagram.protocolNumber),
            let datagram = try? UDPDatagram(decoding: ip.payload)
        {
            let ports = direction == .request ? (sourcePort, port) : (port, sourcePort)
            guard datagram.sourcePort == ports.0, datagram.destinationPort == ports.1 else { return nil }
            return ProbeFrame(
                probe: kind,
                direction: direction,
                ethernet: ethernet,
                answeredBy: direction == .reply ? ethernet.source : nil
            )
        }
        guard let (ip, direction) = run.ipPacket(ethernet, protocolNumber: IPv4Packet.protocolICMP),
            direction == .reply, let icmp = try? ICMPMessage(decoding: ip.payload),
            icmp.type == ICMPMessage.destinationUnreachable, icmp.code == 3,
            let quoted = QuotedDatagram(icmp.payload), quoted.source == run.sourceIP,
            quoted.destination == run.targetIP,
            quoted.sourcePort == sourcePort, quoted.destinationPort == port
        else { return nil }
        return ProbeFrame(
            probe: kind,
            direction: .reply,
            ethernet: ethernet,
            answeredBy: ethernet.source,
            refused: true
        )
    }
}

/// A UDP datagram to the probed port through the source's own stack (a connected socket, which reads an ICMP
/// port unreachable as ECONNREFUSED), from the run's stack port.
package struct UDPStackProbe: StackProbe {
    package var number: UInt16
    package var port: UInt16? { number }
    package var kind: ProbeKind { .udpStack }
    package var size: Int { UDPProbe(port: number).size }
    package var legend: String { "udp-stack: UDP datagram to port \(number) sent by the source's own kernel" }
    package var lossMeaning: String { "the source's own datagram to UDP \(number) got no answer" }

    package init(port: UInt16) { number = port }

    package func captureFilter(_ run: ProbeFrames, tagged: Bool) -> String {
        UDPProbe.filter(sourcePort: run.marker.stackPort, port: number)
    }

    package func classify(_ ethernet: EthernetFrame, _ run: ProbeFrames) -> ProbeFrame? {
        UDPProbe.classify(ethernet, run, kind: kind, sourcePort: run.marker.stackPort, port: number)
    }

    package func open(_ run: ProbeFrames) throws(SystemError) -> any StackExchange {
        TransportExchange(
            socket: try TransportSocket(stream: false, sourcePort: run.marker.stackPort),
            target: run.targetIP,
            port: number,
            payload: UDPProbe.payload(run.marker)
        )
    }
}

/// The start of the datagram an ICMP error quotes: its IPv4 header and the first 8 bytes of its UDP header.
struct QuotedDatagram {
    var source: IPv4Address
    var destination: IPv4Address
    var sourcePort: UInt16
    var destinationPort: UInt16

    init?(_ quote: [UInt8]) {
        guard let first = quote.first, first >> 4 == 4 else { return nil }
        let headerLength = Int(first & 0x0f) * 4
        guard headerLength >= IPv4Packet.headerLength, quote.count >= headerLength + 4,
            quote[9] == UDPDatagram.protocolNumber
        else { return nil }
        source = IPv4Address(bytes: quote[12..<16])
        destination = IPv4Address(bytes: quote[16..<20])
        sourcePort = UInt16(quote[headerLength]) << 8 | UInt16(quote[headerLength + 1])
        destinationPort = UInt16(quote[headerLength + 2]) << 8 | UInt16(quote[headerLength + 3])
    }
}

extension RunMarker {
    static let zero = RunMarker(identifier: 0, nonce: 0)
}
