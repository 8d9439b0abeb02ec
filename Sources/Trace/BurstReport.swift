package import NetworkModel

/// What `trace --count N` measured: the burst's loss and round trip at the source, and per hop of the path how
/// many of its frames went by and how long after they left the source (docs/trace-schema.md, "Burst").
package struct BurstReport: Sendable, Hashable {
    /// Requests the source's kernel took (`--count` less any it refused).
    package var sent: Int
    /// Requests whose reply reached the source's socket.
    package var answered: Int
    package var intervalNs: UInt64
    /// Round trips as the source's socket measured them (send to receive), over the answered requests.
    package var rtt: LatencyFigures?
    /// The path's hops, source first, then its side points.
    package var hops: [BurstHop]
    /// Where the loss starts: the first hop along the path (requests out, then replies back) that saw fewer
    /// of the burst's frames than the one before; nil when nothing was lost on the way.
    package var lossStartsAt: BurstLossPoint?

    /// The share of requests that got no answer at the source, 0 to 1.
    package var lossRate: Double { sent == 0 ? 0 : Double(sent - answered) / Double(sent) }
    /// Some but not every request was answered.
    package var partialLoss: Bool { answered > 0 && answered < sent }
}

/// min/avg/max of a set of delays, in nanoseconds.
package struct LatencyFigures: Sendable, Hashable {
    package var minNs: Int64
    package var avgNs: Int64
    package var maxNs: Int64
    /// How many frames the figures are over.
    package var samples: Int

    package init?(_ values: [Int64]) {
        guard let low = values.min(), let high = values.max() else { return nil }
        minNs = low
        maxNs = high
        avgNs = values.reduce(0, +) / Int64(values.count)
        samples = values.count
    }
}

/// What one capture point saw of the burst.
package struct BurstHop: Sendable, Hashable {
    package var node: String
    package var interface: String
    package var role: HopRole
    package var isSide: Bool
    /// Distinct burst requests captured here.
    package var requestsSeen: Int
    /// Distinct burst replies captured here.
    package var repliesSeen: Int
    /// From the request leaving the source (its capture there, else the send) to its sighting here.
    package var requestLatency: LatencyFigures?
    /// From the request leaving the source to its reply's sighting here.
    package var replyLatency: LatencyFigures?

    package var label: String { "\(node):\(interface)" }

    func count(_ direction: ProbeDirection) -> Int { direction == .request ? requestsSeen : repliesSeen }
}

/// The hop where the burst's frames start going missing, and in which direction.
package struct BurstLossPoint: Sendable, Hashable {
    package var direction: ProbeDirection
    /// The last hop that saw all the frames that reached it.
    package var lastComplete: HopName?
    /// The first hop that saw fewer.
    package var firstShort: HopName
    /// How many frames arrived at `lastComplete` and at `firstShort`.
    package var before: Int
    package var after: Int
}

/// Correlates a burst's evidence into its report, its findings, and what it does to the verdict.
///
/// Pure logic: tested on recorded observations.
package enum BurstCorrelation {
    /// A hop that adds at least this much to the fastest of the burst's frames adds latency (LATENCY): a veth,
    /// bridge or macvlan hop adds microseconds, so 10 ms is a queue, a shaper or netem, not the path.
    package static let latencyThresholdNs: Int64 = 10_000_000
    /// The fewest frames both hops must have seen before a latency is named (one frame may meet a busy CPU).
    package static let latencySamples = 5

    package static func report(_ burst: BurstEvidence, _ evidence: TraceEvidence) -> BurstReport {
        let sends = burst.sends.filter { $0.sentAtNs != nil }
        let sourceHop = evidence.sourceHop
        let bySequence = Dictionary(grouping: burst.sightings, by: \.sequence)
        // A request's start: its capture on the source's interface, else the moment it was handed to the kernel.
        var start: [UInt16: UInt64] = [:]
        for send in sends {
            let atSource = bySequence[send.sequence]?.filter { $0.hop == sourceHop && $0.direction == .request }
                .map(\.timestampNs).min()
            start[send.sequence] = atSource ?? send.sentAtNs
        }
        let byHop = Dictionary(grouping: burst.sightings, by: \.hop)
        let hops = evidence.hops.enumerated().map { index, point in
            let here = byHop[index] ?? []
            func delays(_ direction: ProbeDirection) -> (Int, LatencyFigures?) {
                var first: [UInt16: UInt64] = [:]
                for sighting in here where sighting.direction == direction && start[sighting.sequence] != nil {
                    first[sighting.sequence] = min(first[sighting.sequence] ?? .max, sighting.timestampNs)
                }
                let values = first.map { Int64(bitPattern: $0.value &- start[$0.key]!) }
                return (first.count, LatencyFigures(values))
            }
            let (requests, requestLatency) = delays(.request)
            let (replies, replyLatency) = delays(.reply)
            return BurstHop(
                node: point.node,
                interface: point.interface,
                role: point.role,
                isSide: point.isSide,
                requestsSeen: requests,
                repliesSeen: replies,
                requestLatency: requestLatency,
                replyLatency: replyLatency
            )
        }
        let rtts = sends.compactMap { send in send.answeredAtNs.map { Int64(bitPattern: $0 &- send.sentAtNs!) } }
        return BurstReport(
            sent: sends.count,
            answered: rtts.count,
            intervalNs: burst.intervalNs,
            rtt: LatencyFigures(rtts),
            hops: hops,
            lossStartsAt: lossPoint(hops, sent: sends.count, evidence)
        )
    }

    /// The path's hops that see every frame going by (a bridge device sees forwarded unicast only when it
    /// floods), in the order a direction walks them.
    static func walk(_ direction: ProbeDirection, _ evidence: TraceEvidence) -> [Int] {
        let sourceHop = evidence.sourceHop
        guard let targetHop = evidence.targetHop else { return [] }
        let path = evidence.hops.indices.filter { index in
            let point = evidence.hops[index]
            return !point.isSide && (index == sourceHop || index == targetHop || point.role.seesForwardedUnicast)
        }
        guard let from = path.firstIndex(of: sourceHop), let to = path.firstIndex(of: targetHop), from <= to else {
            return []
        }
        let forward = Array(path[from...to])
        return direction == .request ? forward : forward.reversed()
    }

    /// A frame a hop further on saw went by every hop before it too: a capture that counted fewer than a later
    /// hop lost copies itself (a busy machine), so each hop counts as at least as many as any later hop saw.
    static func lossPoint(_ hops: [BurstHop], sent: Int, _ evidence: TraceEvidence) -> BurstLossPoint? {
        func name(_ index: Int) -> HopName { HopName(node: hops[index].node, interface: hops[index].interface) }
        // The walk out (requests) and back (replies) as one trail; the source's interface sent every request its
        // kernel took (a refusal is a send error, not sent), and a reply seen anywhere proves its request arrived.
        let trail = [ProbeDirection.request, .reply].flatMap { direction in
            walk(direction, evidence).map { hop in
                (direction, hop, direction == .request && hop == evidence.sourceHop ? sent : hops[hop].count(direction))
            }
        }
        var previous: (hop: Int?, count: Int) = (nil, sent)
        for (position, (direction, hop, _)) in trail.enumerated() {
            let count = trail[position...].map(\.2).max() ?? 0
            if count < previous.count {
                return BurstLossPoint(
                    direction: direction,
                    lastComplete: previous.hop.map(name),
                    firstShort: name(hop),
                    before: previous.count,
                    after: count
                )
            }
            previous = (hop, count)
        }
        return nil
    }

    /// The verdict with the burst: the source's own traffic decides, so some of its requests answered and some
    /// not is DEGRADED (whatever the single stack probe met); every one answered leaves a reachable verdict alone
    /// and lowers an unreachable one to degraded; none answered makes a reachable verdict degraded.
    package static func verdict(_ base: Verdict, _ burst: BurstReport) -> Verdict {
        if burst.sent == 0 { return base }
        if burst.partialLoss { return .degraded }
        if burst.answered == burst.sent { return base == .unreachable ? .degraded : base }
        return base == .reachable ? .degraded : base
    }

    /// PACKET_LOSS where the loss starts, when some of the source's requests went unanswered and some did not
    /// (all lost is the trace's drop, located and explained as without a burst); LATENCY at each hop that adds
    /// at least `latencyThresholdNs` to the fastest frame.
    package static func findings(_ burst: BurstReport, _ evidence: TraceEvidence) -> [Finding] {
        var findings: [Finding] = []
        if burst.partialLoss {
            findings.append(lossFinding(burst))
        }
        findings += latencyFindings(burst, evidence)
        return findings
    }

    private static func percent(_ part: Int, of whole: Int) -> String {
        whole == 0 ? "0%" : "\(Int((Double(part) * 100 / Double(whole)).rounded()))%"
    }

    private static func lossFinding(_ burst: BurstReport) -> Finding {
        let lost = burst.sent - burst.answered
        let summary =
            "\(lost) of \(burst.sent) echo requests of the burst went unanswered (\(percent(lost, of: burst.sent)))"
        var evidence = ["the source's socket got \(burst.answered) of \(burst.sent) replies"]
        guard let point = burst.lossStartsAt else {
            evidence.append("every capture on the path saw every frame: the source's own stack lost the replies")
            return Finding(
                .packetLoss,
                at: nil,
                summary: summary,
                evidence: evidence,
                fix: "Look at the source's own input path (nft list ruleset, ip -s link) for what drops some replies."
            )
        }
        let frames = point.direction == .request ? "requests" : "replies"
        evidence.append(
            "\(point.lastComplete.map { "\($0)" } ?? "the source") saw \(point.before) \(frames), "
                + "\(point.firstShort) \(point.after) (\(percent(point.before - point.after, of: point.before)) lost there)"
        )
        for hop in burst.hops where !hop.isSide {
            evidence.append("\(hop.label): \(hop.requestsSeen) requests, \(hop.repliesSeen) replies seen")
        }
        return Finding(
            .packetLoss,
            at: point.firstShort,
            summary: summary + "; the loss starts at \(point.firstShort) (\(frames))",
            evidence: evidence,
            fix: "Look at what \(point.firstShort) drops some frames with: its queueing discipline (tc -s qdisc show "
                + "dev \(point.firstShort.interface) in its namespace: a netem or a policer), its drop counters "
                + "(ip -s link show dev \(point.firstShort.interface)), a flapping link."
        )
    }

    private static func latencyFindings(_ burst: BurstReport, _ evidence: TraceEvidence) -> [Finding] {
        var findings: [Finding] = []
        var previous: (hop: Int, figures: LatencyFigures)?
        for direction in [ProbeDirection.request, .reply] {
            for hop in walk(direction, evidence) {
                let entry = burst.hops[hop]
                guard let figures = direction == .request ? entry.requestLatency : entry.replyLatency,
                    figures.samples >= latencySamples
                else { continue }
                if let (before, earlier) = previous, figures.minNs - earlier.minNs >= latencyThresholdNs {
                    let name = HopName(node: entry.node, interface: entry.interface)
                    let added = figures.minNs - earlier.minNs
                    let frames = direction == .request ? "requests" : "replies"
                    findings.append(
                        Finding(
                            .latency,
                            at: name,
                            summary: "\(name) adds \(milliseconds(added)) ms to the burst's \(frames) "
                                + "(at least; \(figures.samples) frames)",
                            evidence: [
                                "\(burst.hops[before].label): \(text(earlier)) after the source",
                                "\(name): \(text(figures)) after the source",
                                burst.rtt.map { "round trip at the source \(text($0))" } ?? "no round trip measured",
                            ],
                            fix:
                                "Look at what queues or delays frames on \(name): its queueing discipline (tc -s qdisc "
                                + "show dev \(name.interface) in its namespace: a netem delay, a shaper), a busy CPU."
                        )
                    )
                }
                previous = (hop, figures)
            }
        }
        return findings
    }

    /// `min/avg/max` in milliseconds, as the report's text writes them.
    static func text(_ figures: LatencyFigures) -> String {
        "min/avg/max \(milliseconds(figures.minNs))/\(milliseconds(figures.avgNs))/\(milliseconds(figures.maxNs)) ms"
    }

    static func milliseconds(_ ns: Int64) -> String {
        if ns != 0, ns % 1_000_000 == 0 { return String(ns / 1_000_000) }
        let value = Double(ns) / 1e6
        return value >= 10 ? String(Int(value.rounded())) : String(format3(value))
    }

    private static func format3(_ value: Double) -> String {
        let thousandths = Int((value * 1000).rounded())
        let sign = thousandths < 0 ? "-" : ""
        let magnitude = abs(thousandths)
        let fraction = String(magnitude % 1000)
        return "\(sign)\(magnitude / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
    }
}

extension BurstCorrelation {
    /// Puts the burst into `report`: its figures, its findings first, and the verdict it implies. When small
    /// frames of the burst are lost too, the large probe's loss proves no MTU problem, so the trace's own
    /// `mtu-mismatch` goes.
    static func apply(_ burst: BurstEvidence, _ evidence: TraceEvidence, to report: inout TraceReport) {
        let measured = Self.report(burst, evidence)
        report.burst = measured
        report.verdict = verdict(report.verdict, measured)
        var findings = report.findings
        if measured.answered < measured.sent { findings.removeAll { $0.code == "mtu-mismatch" } }
        report.findings = Self.findings(measured, evidence) + findings
    }
}
