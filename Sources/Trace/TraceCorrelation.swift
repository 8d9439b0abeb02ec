internal import KernelDrops
internal import NetworkModel
package import PacketCodec

/// Turns what the captures saw into a report: per probe and hop, the verdict, where a lost probe stopped.
///
/// Pure logic: no I/O, so it is tested on synthetic observations.
package enum TraceCorrelation {
    /// Correlates `evidence` into a report.
    package static func report(_ evidence: TraceEvidence) -> TraceReport {
        let probes = evidence.probes.map { probeReport($0, evidence) }
        var drop = locateDrop(probes, evidence)
        if let located = drop { drop?.kernel = kernelDrop(for: located, probes, evidence) }
        let arpSilent =
            drop.map { $0.probe == .arp && $0.direction == .reply && $0.lastSeen == $0.firstMissing } ?? false
        var report = TraceReport(
            runID: evidence.marker.runID,
            from: summary(of: evidence.source),
            to: summary(of: evidence.target),
            verdict: verdict(
                probes,
                neighbour: evidence.neighbour,
                targetMAC: evidence.target.mac,
                targetIgnoresARP: arpSilent
            ),
            probes: probes,
            drop: drop,
            findings: TraceFindings.derive(evidence: evidence, probes: probes, drop: drop),
            durationNs: evidence.durationNs
        )
        if let burst = evidence.burst { BurstCorrelation.apply(burst, evidence, to: &report) }
        return report
    }

    /// The verdict is about the source's own traffic (docs/trace-schema.md, "verdict"):
    ///
    /// - unreachable when the stack probe was not answered on the source's socket, whatever the crafted
    ///   probes saw; when ARP went unanswered and the source holds no usable entry for the target's MAC (no new
    ///   connection can start), or only one the kernel must confirm again while the target, which got the ARP
    ///   request, answers none (`targetIgnoresARP`: a unicast probe meets the same silence; a permanent entry
    ///   is never confirmed); and, in a report without a stack probe, when no crafted echo was answered;
    /// - reachable when every probe was answered;
    /// - degraded otherwise: the source's own traffic passes but a crafted probe was lost (the MTU-sized one).
    package static func verdict(
        _ probes: [ProbeReport],
        neighbour: CachedNeighbour? = nil,
        targetMAC: MACAddress? = nil,
        targetIgnoresARP: Bool = false
    ) -> Verdict {
        let stack = probes.filter { !$0.kind.isCrafted }
        if stack.contains(where: { !$0.result.gotAnswer }) { return .unreachable }
        if let arp = probes.first(where: { $0.kind == .arp }), arp.result == .lost {
            let usable =
                neighbour.map {
                    $0.isUsable && (targetMAC == nil || $0.mac == targetMAC) && (!targetIgnoresARP || $0.isPermanent)
                } ?? false
            if !usable { return .unreachable }
        }
        if probes.allSatisfy(\.result.gotAnswer) { return .reachable }
        let echoes = probes.filter { $0.kind == .icmp || $0.kind == .icmpMTU }
        if stack.isEmpty, !echoes.contains(where: { $0.result == .answered }) { return .unreachable }
        return .degraded
    }

    static func probeReport(_ attempt: ProbeAttempt, _ evidence: TraceEvidence) -> ProbeReport {
        let sourceHop = evidence.sourceHop
        let mine = evidence.observations.filter { $0.probe == attempt.kind }
        let requestAtSource = mine.filter { $0.hop == sourceHop && $0.direction == .request }.map(\.timestampNs).min()
        // A reply older than this run's request answers someone else's identical ARP request: not ours.
        let earliest = requestAtSource ?? attempt.sentAtNs ?? 0
        let relevant = mine.filter { $0.direction == .request || $0.timestampNs >= earliest }
        // Grouped once: a bridge with a thousand side ports must not mean a thousand passes over every sighting.
        let byHop = Dictionary(grouping: relevant, by: \.hop)
        let hops = evidence.hops.enumerated().map { index, point in
            let here = byHop[index] ?? []
            return HopSighting(
                node: point.node,
                interface: point.interface,
                role: point.role,
                isSide: point.isSide,
                request: sighting(here.filter { $0.direction == .request }, since: requestAtSource),
                reply: sighting(here.filter { $0.direction == .reply }, since: requestAtSource),
                captureError: evidence.unavailable[index],
                bridge: point.bridge
            )
        }
        let replies = relevant.filter { $0.hop == sourceHop && $0.direction == .reply }.sorted {
            $0.timestampNs < $1.timestampNs
        }
        var answeredBy: [MACAddress] = []
        for reply in replies {
            if let mac = reply.answeredBy, !answeredBy.contains(mac) { answeredBy.append(mac) }
        }
        // The stack probe is answered when the source's socket got the reply: a reply captured on the source's
        // interface and then dropped by its stack (rp_filter, INPUT) is not an answer.
        let answered =
            attempt.sentAtNs != nil && (attempt.kind.isCrafted ? !replies.isEmpty : attempt.answeredAtNs != nil)
        // A refusal (RST, port unreachable) is the answer when it is the first to reach the source.
        let refused = answered && (attempt.kind.isCrafted ? replies.first?.refused == true : attempt.refused)
        // Kernel timestamps on the source's interface when it captured both; the stack probe falls back on the
        // socket's send and receive times (which include the kernel's ARP and a thread's wake-up).
        let rtt: UInt64?
        if answered, let first = replies.first,
            let start = requestAtSource ?? (attempt.kind.isCrafted ? attempt.sentAtNs : nil),
            first.timestampNs >= start
        {
            rtt = first.timestampNs - start
        } else if answered, !attempt.kind.isCrafted, let end = attempt.answeredAtNs, let start = attempt.sentAtNs {
            rtt = end &- start
        } else {
            rtt = nil
        }
        // The kernel picks the stack probe's MAC: the one its request left the source's interface with.
        let sentTo =
            attempt.destination
            ?? mine.filter { $0.hop == sourceHop && $0.direction == .request }.min { $0.timestampNs < $1.timestampNs }?
            .destination
        return ProbeReport(
            kind: attempt.kind,
            size: attempt.size,
            sent: attempt.sentAtNs != nil,
            sentTo: sentTo,
            result: refused ? .refused : answered ? .answered : .lost,
            rttNs: rtt,
            answeredBy: answeredBy,
            hops: hops,
            sendError: attempt.sendError,
            port: attempt.port
        )
    }

    /// The first of `observations`, with its offset from the request leaving the source.
    private static func sighting(_ observations: [HopObservation], since start: UInt64?) -> Sighting {
        guard let first = observations.min(by: { $0.timestampNs < $1.timestampNs }) else { return .unseen }
        return Sighting(
            timestampNs: first.timestampNs,
            offsetNs: start.map { Int64(bitPattern: first.timestampNs &- $0) },
            vlanIDs: first.vlanIDs
        )
    }

    /// Where the first lost probe stopped: walking the path from the source, the last point that saw the
    /// request and the first that did not; when the request reached the target, the same walk back for the reply.
    static func locateDrop(_ probes: [ProbeReport], _ evidence: TraceEvidence) -> DropLocation? {
        guard
            let lost = probes.first(where: { $0.result == .lost && $0.sent })
                ?? probes.first(where: { $0.result == .lost }),
            let targetHop = evidence.targetHop
        else { return nil }
        let sourceHop = evidence.sourceHop
        let pathOrder = evidence.hops.indices.filter { !evidence.hops[$0].isSide }
        guard let start = pathOrder.firstIndex(of: sourceHop), let end = pathOrder.firstIndex(of: targetHop),
            start <= end
        else { return nil }
        let path = Array(pathOrder[start...end])
        func expected(_ hop: Int, _ direction: ProbeDirection) -> Bool {
            // A bridge device sees forwarded frames only when it floods them (the ARP request) or is an end.
            hop == sourceHop || hop == targetHop || evidence.hops[hop].role.seesForwardedUnicast
                || (lost.kind == .arp && direction == .request)
        }
        func name(_ hop: Int) -> HopName {
            HopName(node: evidence.hops[hop].node, interface: evidence.hops[hop].interface)
        }

        // The last point that saw the frame before the gap, bridge devices included when they did see it
        // (as the table shows them), so the sentence and the table name the same hop.
        func lastSeen(before missing: Int, along walk: [Int], _ direction: ProbeDirection) -> Int? {
            guard let end = walk.firstIndex(of: missing) else { return nil }
            return walk[..<end].last { direction == .request ? lost.hops[$0].request.seen : lost.hops[$0].reply.seen }
        }

        if !lost.hops[targetHop].request.seen {
            let forward = path.filter { expected($0, .request) }
            guard let gap = forward.firstIndex(where: { !lost.hops[$0].request.seen }) else { return nil }
            return DropLocation(
                probe: lost.kind,
                direction: .request,
                lastSeen: lastSeen(before: forward[gap], along: path, .request).map(name),
                firstMissing: name(forward[gap])
            )
        }
        let walkBack = Array(path.reversed())
        let back = walkBack.filter { expected($0, .reply) }
        guard let gap = back.firstIndex(where: { !lost.hops[$0].reply.seen }) else {
            return DropLocation(probe: lost.kind, direction: .reply, lastSeen: name(sourceHop), firstMissing: nil)
        }
        // gap 0: the target got the request and no reply left it; the frame's trail ends at the target.
        return DropLocation(
            probe: lost.kind,
            direction: .reply,
            lastSeen: name(gap > 0 ? lastSeen(before: back[gap], along: walkBack, .reply) ?? back[gap - 1] : targetHop),
            firstMissing: name(back[gap])
        )
    }

    /// The kernel's drop of the lost probe's frame: same length, preferably on the interface where the trail ends.
    /// A discarded copy (OTHERHOST at a promiscuous bridge) is never the answer: the probe went on without it.
    static func kernelDrop(for drop: DropLocation, _ probes: [ProbeReport], _ evidence: TraceEvidence) -> KernelDrop? {
        guard drop.probe != .arp, let probe = probes.first(where: { $0.kind == drop.probe }) else { return nil }
        let length = probe.size + EthernetFrame.headerLength
        let candidates = evidence.kernelDrops.filter { $0.length == length && !$0.discardsCopy }
        let places = [drop.lastSeen?.interface, drop.firstMissing?.interface].compactMap { $0 }
        return candidates.first { places.contains($0.device) } ?? candidates.first
    }

    static func summary(of endpoint: ResolvedEndpoint) -> EndpointSummary {
        EndpointSummary(
            endpoint: endpoint.endpoint,
            node: endpoint.node,
            interface: endpoint.interface,
            ip: endpoint.ip,
            mac: endpoint.mac
        )
    }
}
