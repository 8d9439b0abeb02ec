import NetworkModel
import PacketCodec
import Testing
import Trace

/// TCP and UDP probes on frames recorded on ext:eth0 in a lab (198.18.0.1 -> ct1 198.18.0.11, port 443): a
/// healthy run (run 863e-fb3a7104) and one with nothing listening (run 9330-964b246c).
@Suite("TCP and UDP probes: frames built and matched on recorded bytes")
struct TransportProbeTests {
    static let source = MACAddress([0xfa, 0x60, 0x7b, 0x5c, 0x9e, 0x26])
    static let target = MACAddress([0x02, 0x75, 0x80, 0x33, 0x40, 0x09])

    static func run(_ identifier: UInt16, _ nonce: UInt32) -> ProbeFrames {
        ProbeFrames(
            marker: RunMarker(identifier: identifier, nonce: nonce),
            sourceMAC: source,
            sourceIP: IPv4Address(198, 18, 0, 1),
            targetIP: IPv4Address(198, 18, 0, 11),
            probes: ProbeCatalog.probes(
                smallSize: 111,
                largeSize: 1500,
                transports: [TransportPort(.tcp, 443), TransportPort(.udp, 443)]
            )
        )
    }

    static let healthy = run(0x863e, 0xfb3a_7104)
    static let closed = run(0x9330, 0x964b_246c)

    static func bytes(_ hex: String) -> [UInt8] {
        var result: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            result.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return result
    }

    // The crafted SYN as it left ext:eth0, and the SYN-ACK and UDP echo that came back.
    static let syn = bytes(
        "027580334009fa607b5c9e26080045000028864440004006285bc6120001c612000bbe5c01bbfb3a7104000000005002faf0fc69"
            + "0000000000000000"
    )
    static let synAck = bytes(
        "fa607b5c9e2602758033400908004500002c000040004006ae9bc612000bc612000101bbbe5c9e5bfc82fb3a71056012faf08c4f"
            + "0000020405b4"
    )
    static let stackSynAck = bytes(
        "fa607b5c9e2602758033400908004500003c000040004006ae8bc612000bc612000101bbbe5d595349a8880afad3a012fe888c5f"
            + "0000020405b40402080a3a1f409d821c299b0103030a"
    )
    static let udpEcho = bytes(
        "fa607b5c9e260275803340090800450000272f7b400040117f1ac612000bc612000101bbbe5c00138c55fb3a71046c786364696167"
    )
    static let stackUDPEcho = bytes(
        "fa607b5c9e260275803340090800450000272f7c400040117f19c612000bc612000101bbbe5d00138c55fb3a71046c786364696167"
    )
    // With nothing listening: the RST to the crafted SYN, and the port unreachables quoting each datagram.
    static let reset = bytes(
        "fa607b5c9e26027580334009080045000028000040004006ae9fc612000bc612000101bbd84000000000964b246d501400008eeb"
            + "0000"
    )
    static let unreachable = bytes(
        "fa607b5c9e26027580334009080045c00043ae58000040013f71c612000bc61200010303895200000000450000279341400040111b"
            + "54c6120001c612000bd84001bb00133ea5964b246c6c786364696167"
    )
    static let stackUnreachable = bytes(
        "fa607b5c9e26027580334009080045c00043ae56000040013f73c612000bc612000103033ba1000000004500002729d54000401184"
            + "c0c6120001c612000bd84101bb00138c55964b246c6c786364696167"
    )

    @Test("the crafted SYN is the one that went on the wire, byte for byte, and is recognised as the request")
    func synIsRebuilt() throws {
        let frame = TCPProbe(port: 443).frame(Self.healthy, to: Self.target)
        #expect(frame == Self.syn)
        let seen = try #require(Self.healthy.classify(Self.syn))
        #expect(seen.probe == .tcp && seen.direction == .request)
        // The source port and the sequence number carry the run: the marker's crafted port and nonce.
        let ip = try IPv4Packet(decoding: try EthernetFrame(decoding: frame).payload)
        let segment = try TCPSegment(decoding: ip.payload)
        #expect(segment.sourcePort == 48_732 && segment.sequence == 0xfb3a_7104 && segment.flags == TCPSegment.syn)
    }

    @Test("answers: SYN-ACK and UDP echo answer, RST and port unreachable refuse, each to its own probe")
    func answersAreMatched() throws {
        let cases: [(ProbeFrames, [UInt8], ProbeKind, Bool)] = [
            (Self.healthy, Self.synAck, .tcp, false),
            (Self.healthy, Self.stackSynAck, .tcpStack, false),
            (Self.healthy, Self.udpEcho, .udp, false),
            (Self.healthy, Self.stackUDPEcho, .udpStack, false),
            (Self.closed, Self.reset, .tcp, true),
            (Self.closed, Self.unreachable, .udp, true),
            (Self.closed, Self.stackUnreachable, .udpStack, true),
        ]
        for (run, bytes, kind, refused) in cases {
            let seen = try #require(run.classify(bytes), "\(kind) answer not recognised")
            #expect(seen.probe == kind && seen.direction == .reply && seen.refused == refused, "\(kind)")
            #expect(seen.answeredBy == Self.target)
        }
    }

    @Test("another run's frames are not this run's: the ports and the acknowledged nonce differ")
    func otherRunsAreIgnored() {
        for bytes in [Self.syn, Self.synAck, Self.stackSynAck, Self.udpEcho] {
            #expect(Self.closed.classify(bytes) == nil)
        }
        for bytes in [Self.reset, Self.unreachable, Self.stackUnreachable] {
            #expect(Self.healthy.classify(bytes) == nil)
        }
    }

    @Test("the capture filter names each port pair and the quoted ports of a port unreachable")
    func filter() {
        let filter = Self.healthy.captureFilter
        #expect(filter.contains("(tcp and ((src port 48732 and dst port 443) or (src port 443 and dst port 48732)))"))
        #expect(filter.contains("(tcp and ((src port 48733 and dst port 443)"))
        #expect(filter.contains("icmp[0] = 3 and icmp[1] = 3 and icmp[28:2] = 48732 and icmp[30:2] = 443"))
        #expect(filter.contains("(vlan and ("))
    }

    @Test("a refused port is an answer (reachable); a lost stack port probe makes the path unreachable")
    func refusedIsNotADrop() {
        let hops = [HopSighting.seenBothWays("ext", "eth0", .endpoint), .seenBothWays("ct1", "eth0", .container)]
        let probes = [
            ProbeReport(kind: .arp, size: 28, sent: true, result: .answered, rttNs: 1, answeredBy: [], hops: hops),
            ProbeReport(kind: .icmp, size: 111, sent: true, result: .answered, rttNs: 1, answeredBy: [], hops: hops),
            ProbeReport(kind: .stack, size: 111, sent: true, result: .answered, rttNs: 1, answeredBy: [], hops: hops),
            ProbeReport(kind: .tcp, size: 40, sent: true, result: .refused, rttNs: 1, answeredBy: [], hops: hops),
            ProbeReport(kind: .tcpStack, size: 40, sent: true, result: .refused, rttNs: 1, answeredBy: [], hops: hops),
        ]
        #expect(TraceCorrelation.verdict(probes) == .reachable)
        var lost = probes
        lost[4].result = .lost
        #expect(TraceCorrelation.verdict(lost) == .unreachable)
    }
}

extension HopSighting {
    static func seenBothWays(_ node: String, _ interface: String, _ role: HopRole) -> HopSighting {
        HopSighting(
            node: node,
            interface: interface,
            role: role,
            isSide: false,
            request: Sighting(timestampNs: 1, offsetNs: 0),
            reply: Sighting(timestampNs: 2, offsetNs: 1)
        )
    }
}
