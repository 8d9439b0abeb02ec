import Foundation
import NetworkModel
import Testing
import Trace

/// A burst recorded on SyntheticTrace's path (0 ext:eth0, 1 host:em1, 2 host:br0, 3 host:vct1, 4 side vct2,
/// 5 ct1:eth0): `count` requests 5 ms apart, each hop 10 µs after the one before, plus what a hop adds.
private struct RecordedBurst {
    var count = 20
    /// Requests (by index) that stop before each hop: hop -> dropped indices.
    var requestsDroppedBefore: [Int: Set<Int>] = [:]
    var repliesDroppedBefore: [Int: Set<Int>] = [:]
    /// Extra delay a hop adds to every request it forwards.
    var requestDelayAt: [Int: UInt64] = [:]
    /// Requests a hop's capture misses although they go on (a busy capture thread).
    var requestsMissedBy: [Int: Set<Int>] = [:]

    func evidence(_ trace: SyntheticTrace) -> TraceEvidence {
        var sends: [BurstSend] = []
        var sightings: [BurstSighting] = []
        let forward = SyntheticTrace.unicastPath
        for index in 0..<count {
            let sequence = StackBurst.firstSequence + UInt16(index)
            let sent = SyntheticTrace.start + 10_000_000 + UInt64(index) * 5_000_000
            var time = sent + 1_000
            var alive = true
            for hop in forward {
                if requestsDroppedBefore[hop]?.contains(index) == true { alive = false }
                guard alive else { break }
                time += requestDelayAt[hop] ?? 0
                if requestsMissedBy[hop]?.contains(index) != true {
                    sightings.append(
                        BurstSighting(hop: hop, sequence: sequence, direction: .request, timestampNs: time)
                    )
                }
                time += 10_000
            }
            var answered: UInt64?
            if alive {
                time += 50_000
                for hop in forward.reversed() {
                    if repliesDroppedBefore[hop]?.contains(index) == true { alive = false }
                    guard alive else { break }
                    sightings.append(BurstSighting(hop: hop, sequence: sequence, direction: .reply, timestampNs: time))
                    time += 10_000
                }
                if alive { answered = time + 20_000 }
            }
            sends.append(BurstSend(sequence: sequence, sentAtNs: sent, answeredAtNs: answered))
        }
        var evidence = trace.evidence()
        evidence.burst = BurstEvidence(sends: sends, sightings: sightings, intervalNs: 5_000_000)
        return evidence
    }
}

private func healthyTrace() -> SyntheticTrace {
    var trace = SyntheticTrace()
    trace.seeHealthyPath()
    return trace
}

@Suite("trace --count: the burst's loss and latency per hop (recorded observations, no root)")
struct BurstCorrelationTests {
    @Test("every request and reply seen everywhere: reachable, no loss, latency figures per hop")
    func healthy() throws {
        let report = TraceCorrelation.report(RecordedBurst().evidence(healthyTrace()))
        let burst = try #require(report.burst)
        #expect(report.verdict == .reachable)
        #expect(report.findings.isEmpty)
        #expect(burst.sent == 20 && burst.answered == 20 && burst.lossRate == 0)
        #expect(burst.lossStartsAt == nil)
        let vct1 = try #require(burst.hops.first { $0.label == "host:vct1" })
        #expect(vct1.requestsSeen == 20 && vct1.repliesSeen == 20)
        // From the source's capture (1 µs after the send) to vct1: two steps of 10 µs.
        #expect(vct1.requestLatency?.minNs == 20_000 && vct1.requestLatency?.maxNs == 20_000)
        #expect(burst.rtt?.samples == 20)
        #expect(burst.hops.first { $0.label == "host:br0" }?.requestsSeen == 0)
    }

    @Test("every second request dropped before vct1: degraded, PACKET_LOSS at host:vct1, 50% there")
    func everySecondDropped() throws {
        var recorded = RecordedBurst()
        recorded.requestsDroppedBefore[3] = Set(stride(from: 0, to: 20, by: 2))
        let report = TraceCorrelation.report(recorded.evidence(healthyTrace()))
        let burst = try #require(report.burst)
        #expect(report.verdict == .degraded)
        #expect(burst.answered == 10 && burst.lossRate == 0.5)
        #expect(burst.lossStartsAt?.firstShort == HopName(node: "host", interface: "vct1"))
        #expect(burst.lossStartsAt?.lastComplete == HopName(node: "host", interface: "em1"))
        #expect(burst.lossStartsAt?.direction == .request)
        let loss = try #require(report.findings.first)
        #expect(loss.code == "PACKET_LOSS" && loss.severity == .error)
        #expect(loss.location == HopName(node: "host", interface: "vct1"))
        #expect(loss.evidence.contains("host:em1 saw 20 requests, host:vct1 10 (50% lost there)"))
    }

    @Test("captures that missed frames a later hop (or a reply) proves went by are not loss; loss after them still is")
    func captureMisses() throws {
        var recorded = RecordedBurst()
        recorded.requestsMissedBy[0] = [2, 5, 8]
        recorded.requestsMissedBy[1] = [2, 3]
        recorded.requestsMissedBy[5] = [4]
        let clean = TraceCorrelation.report(recorded.evidence(healthyTrace()))
        #expect(clean.burst?.lossStartsAt == nil)
        #expect(clean.verdict == .reachable && clean.findings.isEmpty)
        recorded.requestsDroppedBefore[5] = [1, 11]
        let lossy = TraceCorrelation.report(recorded.evidence(healthyTrace()))
        #expect(lossy.burst?.lossStartsAt?.firstShort == HopName(node: "ct1", interface: "eth0"))
        #expect(lossy.burst?.lossStartsAt?.before == 20 && lossy.burst?.lossStartsAt?.after == 18)
    }

    @Test("replies lost on the way back at em1: the loss starts there, in the reply direction")
    func replyLoss() throws {
        var recorded = RecordedBurst()
        recorded.repliesDroppedBefore[1] = [3, 7]
        let report = TraceCorrelation.report(recorded.evidence(healthyTrace()))
        #expect(report.verdict == .degraded)
        #expect(report.burst?.lossStartsAt?.direction == .reply)
        #expect(report.burst?.lossStartsAt?.firstShort == HopName(node: "host", interface: "em1"))
        #expect(report.burst?.lossStartsAt?.after == 18)
    }

    @Test("the MTU-sized probe lost while small burst frames are lost too: no mtu-mismatch, PACKET_LOSS instead")
    func lossIsNotMTU() throws {
        var trace = SyntheticTrace()
        trace.see(.arp, .request, at: SyntheticTrace.broadcastPath)
        trace.see(.arp, .reply, at: SyntheticTrace.unicastPath.reversed())
        trace.see(.icmp, .request, at: SyntheticTrace.unicastPath)
        trace.see(.icmp, .reply, at: SyntheticTrace.unicastPath.reversed())
        trace.see(.icmpMTU, .request, at: [0, 1])
        #expect(TraceCorrelation.report(trace.evidence()).findings.map(\.code).contains("mtu-mismatch"))
        var recorded = RecordedBurst()
        recorded.requestsDroppedBefore[3] = [1, 4, 9]
        let report = TraceCorrelation.report(recorded.evidence(trace))
        #expect(!report.findings.map(\.code).contains("mtu-mismatch"))
        #expect(report.findings.first?.code == "PACKET_LOSS")
        #expect(report.verdict == .degraded)
    }

    @Test("50 ms added before vct1: LATENCY at host:vct1 with the figures; the verdict stays reachable")
    func latencyAdded() throws {
        var recorded = RecordedBurst()
        recorded.requestDelayAt[3] = 50_000_000
        let report = TraceCorrelation.report(recorded.evidence(healthyTrace()))
        #expect(report.verdict == .reachable)
        let finding = try #require(report.findings.first { $0.code == "LATENCY" })
        #expect(finding.location == HopName(node: "host", interface: "vct1"))
        #expect(report.findings.count == 1)
        #expect(finding.summary.hasPrefix("host:vct1 adds 50 ms"))
        #expect(finding.evidence.first == "host:em1: min/avg/max 0.010/0.010/0.010 ms after the source")
        #expect(report.burst?.rtt.map { $0.minNs >= 50_000_000 } == true)
    }

    @Test("a delay under 10 ms, or seen on too few frames, is not named")
    func smallDelay() {
        var recorded = RecordedBurst()
        recorded.requestDelayAt[3] = 9_000_000
        #expect(!TraceCorrelation.report(recorded.evidence(healthyTrace())).findings.contains { $0.code == "LATENCY" })
        recorded = RecordedBurst(count: 4)
        recorded.requestDelayAt[3] = 50_000_000
        #expect(!TraceCorrelation.report(recorded.evidence(healthyTrace())).findings.contains { $0.code == "LATENCY" })
    }

    @Test("the verdict with a burst follows the source's own burst traffic")
    func verdicts() throws {
        var burst = try #require(TraceCorrelation.report(RecordedBurst().evidence(healthyTrace())).burst)
        #expect(BurstCorrelation.verdict(.reachable, burst) == .reachable)
        #expect(BurstCorrelation.verdict(.unreachable, burst) == .degraded)
        burst.answered = 7
        #expect(BurstCorrelation.verdict(.reachable, burst) == .degraded)
        #expect(BurstCorrelation.verdict(.unreachable, burst) == .degraded)
        burst.answered = 0
        #expect(BurstCorrelation.verdict(.unreachable, burst) == .unreachable)
        #expect(BurstCorrelation.verdict(.reachable, burst) == .degraded)
    }

    @Test("JSON: burst with loss rates and latency per hop; null without --count; the text view's burst lines")
    func output() throws {
        var recorded = RecordedBurst()
        recorded.requestsDroppedBefore[3] = Set(stride(from: 0, to: 20, by: 2))
        let report = TraceCorrelation.report(recorded.evidence(healthyTrace()))
        let json = try #require(try JSONSerialization.jsonObject(with: report.jsonDocument()) as? [String: Any])
        let burst = try #require(json["burst"] as? [String: Any])
        #expect(burst["sent"] as? Int == 20 && burst["answered"] as? Int == 10)
        #expect(burst["loss_rate"] as? Double == 0.5)
        let hops = try #require(burst["hops"] as? [[String: Any]])
        let vct1 = try #require(hops.first { $0["interface"] as? String == "vct1" })
        #expect(vct1["request_loss"] as? Double == 0.5)
        let latency = try #require(vct1["request_latency"] as? [String: Any])
        #expect(latency["min_ns"] as? Int == 20_000 && latency["samples"] as? Int == 10)
        #expect((burst["loss_starts_at"] as? [String: Any])?["direction"] as? String == "request")
        let plain = try #require(
            try JSONSerialization.jsonObject(with: TraceCorrelation.report(healthyTrace().evidence()).jsonDocument())
                as? [String: Any]
        )
        #expect(plain["burst"] is NSNull)
        let text = TraceTextRenderer(colour: false).render(report)
        #expect(
            text.contains(
                "burst     20 echo requests through the source's stack, one every 5 ms: 10 answered (50% lost)"
            )
        )
        #expect(text.contains("loss starts at host:vct1 (requests: 20 before, 10 there)"))
    }
}
