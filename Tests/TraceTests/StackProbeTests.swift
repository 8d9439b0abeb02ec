import Foundation
import NetworkModel
import PacketCodec
import Testing
import Trace

extension SyntheticTrace {
    /// Adds the stack probe: sent 3 ms after the start, its request and reply captured at `requestAt` and
    /// `replyAt`, and its reply on the source's socket when `socketAnswered`.
    mutating func addStack(
        requestAt: [Int] = SyntheticTrace.unicastPath,
        replyAt: [Int] = SyntheticTrace.unicastPath.reversed(),
        socketAnswered: Bool,
        sentTo: MACAddress = SyntheticTrace.targetMAC,
        sendError: String? = nil
    ) {
        let sent = Self.start + 3_000_000
        if let sendError {
            probes.append(ProbeAttempt(kind: .stack, size: 84, sentAtNs: nil, sendError: sendError))
            return
        }
        probes.append(
            ProbeAttempt(kind: .stack, size: 84, sentAtNs: sent, answeredAtNs: socketAnswered ? sent + 400_000 : nil)
        )
        for (step, hop) in requestAt.enumerated() {
            observations.append(
                HopObservation(
                    hop: hop,
                    probe: .stack,
                    direction: .request,
                    timestampNs: sent + 1_000 + UInt64(step) * 10_000,
                    answeredBy: nil,
                    destination: sentTo
                )
            )
        }
        see(.stack, .reply, at: replyAt)
    }
}

@Suite("The stack probe and the verdict about the source's own traffic (no root)")
struct StackProbeTests {
    @Test("every probe answered, the stack probe on its socket: reachable, RTT from the source's captures")
    func healthy() {
        var trace = SyntheticTrace()
        trace.seeHealthyPath()
        trace.addStack(socketAnswered: true)
        let report = trace.report()
        #expect(report.verdict == .reachable)
        #expect(report.findings.isEmpty)
        let stack = report.probe(.stack)
        #expect(stack?.result == .answered)
        #expect(stack?.sentTo == SyntheticTrace.targetMAC)
        // Reply at the source (step 3 of the way back, 200 µs after sending) minus request there (1 µs after).
        #expect(stack?.rttNs == 200_000 + 30_000 - 1_000)
    }

    @Test("crafted probes answered, the source's own echo never left: unreachable, the fault is at the source")
    func stackNeverLeft() {
        var trace = SyntheticTrace()
        trace.seeHealthyPath()
        trace.addStack(requestAt: [], replyAt: [], socketAnswered: false)
        let report = trace.report()
        #expect(report.verdict == .unreachable)
        #expect(report.drop?.probe == .stack)
        #expect(report.drop?.lastSeen == nil)
        #expect(report.drop?.firstMissing == HopName(node: "ext", interface: "eth0"))
        #expect(report.drop?.trail == "stack request never seen, not even at ext:eth0")
        let finding = report.findings.first
        #expect(finding?.code == "stack-lost")
        #expect(finding?.severity == .error)
        #expect(finding?.evidence.contains { $0.contains("never left ext:eth0") } == true)
        #expect(!report.findings.contains { $0.code == "dropped-between" || $0.code == "target-silent" })
    }

    @Test("the kernel refused the send: not sent, the error carried in the report and the evidence")
    func sendRefused() throws {
        var trace = SyntheticTrace()
        trace.seeHealthyPath()
        trace.addStack(socketAnswered: false, sendError: "send an ICMP echo request: Operation not permitted")
        let report = trace.report()
        #expect(report.verdict == .unreachable)
        let stack = try #require(report.probe(.stack))
        #expect(!stack.sent)
        #expect(stack.sendError?.hasSuffix("Operation not permitted") == true)
        #expect(report.findings.first?.evidence.contains { $0.contains("refused") } == true)
        let json = try #require(
            try JSONSerialization.jsonObject(with: report.jsonDocument()) as? [String: Any]
        )
        let probes = try #require(json["probes"] as? [[String: Any]])
        #expect(probes.map { $0["kind"] as? String } == ["arp", "icmp", "icmp-mtu", "stack"])
        #expect(probes[3]["send_error"] as? String == stack.sendError)
        #expect(probes[1]["send_error"] is NSNull)
    }

    @Test("a reply captured on the source's interface but not on its socket is lost (rp_filter, INPUT)")
    func replyNotDelivered() {
        var trace = SyntheticTrace()
        trace.seeHealthyPath()
        trace.addStack(socketAnswered: false)
        let report = trace.report()
        #expect(report.verdict == .unreachable)
        #expect(report.probe(.stack)?.result == .lost)
        #expect(report.drop?.lastSeen == HopName(node: "ext", interface: "eth0"))
        #expect(report.drop?.firstMissing == nil)
        #expect(report.drop?.trail.hasSuffix("not the source's socket (its own stack dropped it)") == true)
        #expect(report.findings.first?.evidence.contains { $0.contains("not the socket") } == true)
    }

    @Test("the kernel's echo sent to a MAC nobody owns: the evidence names it beside the ARP answer, no flood finding")
    func staleMAC() {
        var trace = SyntheticTrace()
        trace.seeHealthyPath()
        // The bridge floods a frame for an unknown MAC out of every port, the side port too.
        trace.addStack(requestAt: [0, 1, 4, 3, 5], replyAt: [], socketAnswered: false, sentTo: SyntheticTrace.otherMAC)
        let report = trace.report()
        #expect(report.verdict == .unreachable)
        #expect(report.probe(.stack)?.sentTo == SyntheticTrace.otherMAC)
        let evidence = report.findings.first { $0.code == "stack-lost" }?.evidence ?? []
        #expect(
            evidence.contains {
                $0.contains("left ext:eth0 for \(SyntheticTrace.otherMAC)")
                    && $0.contains("answered by \(SyntheticTrace.targetMAC)")
            },
            "\(evidence)"
        )
        #expect(!report.findings.contains { $0.code == "unicast-flooded" })
    }

    @Test("only the MTU-sized probe lost while the source's own traffic passes: degraded")
    func degradedIsNarrow() {
        var trace = SyntheticTrace()
        trace.seeHealthyPath()
        trace.observations.removeAll { $0.probe == .icmpMTU && ($0.direction == .reply || $0.hop == 5) }
        trace.addStack(socketAnswered: true)
        #expect(trace.report().verdict == .degraded)
    }

    @Test("ARP lost on the way: unreachable without a usable neighbour entry for the target's MAC, degraded with one")
    func arpLostNeedsUsableEntry() {
        var trace = SyntheticTrace()
        trace.seeHealthyPath()
        // The broadcast request never left the bridge for the target's port (flooding off there).
        trace.observations.removeAll { $0.probe == .arp && ($0.direction == .reply || [3, 5].contains($0.hop)) }
        trace.addStack(socketAnswered: true)
        #expect(trace.report().verdict == .unreachable)
        trace.neighbour = CachedNeighbour(
            ip: IPv4Address(192, 0, 2, 20),
            interface: "eth0",
            mac: SyntheticTrace.otherMAC,
            states: ["PERMANENT"]
        )
        #expect(trace.report().verdict == .unreachable, "an entry with another MAC is not usable for the target")
        trace.neighbour?.states = ["FAILED"]
        trace.neighbour?.mac = SyntheticTrace.targetMAC
        #expect(trace.report().verdict == .unreachable)
        trace.neighbour?.states = ["STALE"]
        #expect(trace.report().verdict == .degraded, "the kernel confirms a stale entry by unicast, which passes")
    }

    @Test("the last point seen is the one the table shows: a bridge device that saw a unicast frame counts")
    func lastSeenMatchesTable() {
        var trace = SyntheticTrace()
        trace.see(.arp, .request, at: SyntheticTrace.broadcastPath)
        trace.see(.arp, .reply, at: SyntheticTrace.unicastPath.reversed())
        // br0 saw the echo (a promiscuous bridge, or one delivering to the host): the trail ends there.
        trace.see(.icmp, .request, at: [0, 1, 2])
        trace.see(.icmpMTU, .request, at: [0, 1, 2])
        let report = trace.report()
        #expect(report.drop?.lastSeen == HopName(node: "host", interface: "br0"))
        #expect(report.drop?.firstMissing == HopName(node: "host", interface: "vct1"))
        let text = TraceTextRenderer(colour: false).render(report)
        #expect(text.contains("stopped   icmp request last seen at host:br0, never reached host:vct1"))
        #expect(text.contains("the icmp request last seen at host:br0, never reached host:vct1"))
    }

    @Test("a silent target is one place: 'reached ct1:eth0, no reply left it', never 'last seen at X, never reached X'")
    func silentTargetSentence() {
        var trace = SyntheticTrace()
        trace.see(.arp, .request, at: SyntheticTrace.broadcastPath)
        let report = trace.report()
        #expect(report.drop?.lastSeen == report.drop?.firstMissing)
        let text = TraceTextRenderer(colour: false).render(report)
        #expect(text.contains("stopped   arp request reached ct1:eth0, no reply left it"), "\(text)")
        #expect(!text.contains("never reached ct1:eth0"))
    }

    @Test("the text view: a stack column, a legend naming every mark, and blanks (not misses) at the bridge device")
    func textLegendAndBridge() throws {
        var trace = SyntheticTrace()
        trace.seeHealthyPath()
        trace.addStack(requestAt: [], replyAt: [], socketAnswered: false)
        let lines = TraceTextRenderer(colour: false).render(trace.report()).split(separator: "\n").map(String.init)
        let header = try #require(lines.first { $0.hasPrefix("hop ") })
        #expect(header.hasSuffix("icmp-mtu  stack"))
        let bridge = try #require(lines.first { $0.hasPrefix("host:br0 ") })
        // The flooded ARP request is seen there; nothing else is a miss at a bridge device.
        #expect(bridge.contains("→") && !bridge.contains("·") && !bridge.contains("✗"), "\(bridge)")
        let source = try #require(lines.first { $0.hasPrefix("ext:eth0 ") })
        #expect(source.hasSuffix("→ ←       ✗ ·"), "\(source)")
        #expect(
            lines.contains(
                "marks: → request seen, ← reply seen, · not seen, ✗ first point that missed the lost frame, "
                    + "blank: a bridge device, blind to unicast it forwards"
            )
        )
        #expect(
            lines.contains(
                "stack: echo request sent by the source's own kernel; (side): another port of a bridge on the path"
            )
        )
        #expect(lines.contains { $0.hasPrefix("probes ") && $0.hasSuffix("stack 84 B lost") })
    }

    @Test("the stack probe's frames match this run's capture filter terms and classify as the stack probe")
    func stackFramesClassify() throws {
        let marker = RunMarker(identifier: 0x4242, nonce: 0x0102_0304)
        let frames = SyntheticTrace.probeFrames(marker)
        let message = frames.echoMessage(.stack, size: 84)
        // What the kernel puts on the wire: its own IPv4 header (another identification), the message as given.
        let ip = IPv4Packet(
            source: frames.sourceIP,
            destination: frames.targetIP,
            protocolNumber: IPv4Packet.protocolICMP,
            payload: message,
            identification: 0x9999,
            dontFragment: true
        )
        let wire = EthernetFrame(
            destination: SyntheticTrace.targetMAC,
            source: SyntheticTrace.sourceMAC,
            etherType: EtherType.ipv4,
            payload: ip.encoded()
        ).encoded()
        let classified = try #require(frames.classify(wire))
        #expect(classified.probe == .stack)
        #expect(classified.direction == .request)
        #expect(ip.encoded().count == 84)
        // The reply the socket receives is recognised; a crafted echo's reply is not the stack probe's.
        let reply = IPv4Packet(
            source: frames.targetIP,
            destination: frames.sourceIP,
            protocolNumber: IPv4Packet.protocolICMP,
            payload: ICMPMessage(
                type: ICMPMessage.echoReply,
                identifier: marker.identifier,
                sequence: 3,
                payload: Array(message.dropFirst(8))
            ).encoded()
        ).encoded()
        #expect(frames.isEchoReply(reply, to: .stack))
        #expect(!frames.isEchoReply(reply, to: .icmp))
    }
}

extension StackProbeTests {
    @Test("the target got the ARP request and stayed silent: a cached entry the kernel must confirm does not help")
    func silentTargetDoomsEntry() {
        var trace = SyntheticTrace()
        trace.seeHealthyPath()
        trace.observations.removeAll { $0.probe == .arp && $0.direction == .reply }
        trace.addStack(socketAnswered: true)
        trace.neighbour = CachedNeighbour(
            ip: IPv4Address(192, 0, 2, 20),
            interface: "eth0",
            mac: SyntheticTrace.targetMAC,
            states: ["REACHABLE"]
        )
        #expect(trace.report().drop?.trail == "arp request reached ct1:eth0, no reply left it")
        #expect(trace.report().verdict == .unreachable)
        trace.neighbour?.states = ["PERMANENT"]
        #expect(trace.report().verdict == .degraded, "a permanent entry is never confirmed by ARP")
    }
}

extension StackProbeTests {
    @Test("the dropped-between evidence lists a bridge device that saw the frame, as the sentence and the table do")
    func evidenceListsBridgeThatSaw() throws {
        var trace = SyntheticTrace()
        trace.see(.arp, .request, at: SyntheticTrace.broadcastPath)
        trace.see(.arp, .reply, at: SyntheticTrace.unicastPath.reversed())
        trace.see(.icmp, .request, at: [0, 1, 2])
        trace.see(.icmpMTU, .request, at: [0, 1, 2])
        let finding = try #require(trace.report().findings.first { $0.code == "dropped-between" })
        #expect(
            finding.evidence.prefix(4) == [
                "ext:eth0: request seen", "host:em1: request seen", "host:br0: request seen",
                "host:vct1: request not seen",
            ]
        )
    }
}
