import Foundation
import LinuxNet
import NetworkModel
public import PacketCapture
import PacketCodec

/// The frames one capture point captured, for the pcapng file.
public struct HopCapture: Sendable {
    public var point: CapturePoint
    public var frames: [CapturedFrame]
}

/// A finished trace: the report and every capture point's frames.
public struct TraceOutcome: Sendable {
    public var report: TraceReport
    public var evidence: TraceEvidence
    public var captures: [HopCapture]
}

/// Runs a trace: captures on every hop, probes from the source, correlation into a report.
public struct Tracer: Sendable {
    public var queries: NamespaceQueries

    public init(queries: NamespaceQueries = .system) {
        self.queries = queries
    }

    /// Runs `plan` on a dedicated thread and suspends until the report is ready.
    public func run(_ plan: TracePlan) async throws -> TraceOutcome {
        try await DedicatedThread.run(name: "trace") { try self.run(plan) }
    }

    /// Runs `plan`, blocking the calling thread (which must not be a Swift concurrency thread) until done.
    ///
    /// Opens every capture at once, each in its namespace; sends the ARP request, then both echo requests to
    /// the MAC that answered; returns once the source has every reply and the captures drained, or a lost
    /// probe's timeout passed. Captures are closed on return, on error, and on Ctrl-C.
    public func run(_ plan: TracePlan) throws(TraceError) -> TraceOutcome {
        let started = monotonicNanoseconds()
        guard let targetIP = plan.target.ip else {
            throw TraceError(.badPlan, "the target \(plan.target.endpoint) has no IPv4 address to probe")
        }
        let source = plan.source
        let queries = self.queries

        // The source's interface facts and its neighbour entry are read while the captures open.
        let side = SideQueries()
        let sideDone = DispatchGroup()
        sideDone.enter()
        DedicatedThread.start(name: "trace facts") {
            side.facts = Result { try queries.interfaceFacts(source.namespace, source.interface) }
            sideDone.leave()
        }
        sideDone.enter()
        DedicatedThread.start(name: "trace neighbour") {
            side.neighbour = Result { try queries.neighbour(source.namespace, source.interface, targetIP) }
            sideDone.leave()
        }
        // The filter needs the source address; read it first only when the plan does not give it.
        var sourceIP = source.ip
        if sourceIP == nil {
            sideDone.wait()
            sourceIP = try side.sourceFacts(source).addresses.first
        }
        guard let sourceIP else {
            throw TraceError(.badPlan, "\(source.node):\(source.interface) has no IPv4 address to send from")
        }
        let marker = plan.options.runMarker
        let filterFrames = ProbeFrames(marker: marker, sourceMAC: .zero, sourceIP: sourceIP, targetIP: targetIP)
        let captures = try CaptureSet.open(plan.hops, filter: filterFrames.captureFilter)
        let cleanup = TerminationCleanup.shared.register { captures.stopAll() }
        defer {
            captures.close()
            TerminationCleanup.shared.unregister(cleanup)
        }

        sideDone.wait()
        let facts = try side.sourceFacts(source)
        let neighbour = try? side.neighbour?.get()
        let frames = ProbeFrames(
            marker: marker,
            sourceMAC: source.mac ?? facts.mac,
            sourceIP: sourceIP,
            targetIP: targetIP
        )
        let sourceHop =
            plan.hops.firstIndex { $0.namespace == source.namespace && $0.interface == source.interface } ?? 0
        let log = ObservationLog(frames: frames, sourceHop: sourceHop)
        captures.start { hop, frame in log.record(frame, at: hop) }

        let sender: PacketSocket
        do {
            sender = try withNetworkNamespace(source.namespace) { try PacketSocket(interface: source.interface) }
        } catch {
            throw TraceError(.sendFailed, "cannot send from \(source.node):\(source.interface): \(error)")
        }
        let timeout = plan.options.lossTimeoutNs
        var attempts: [ProbeAttempt] = []

        let arpSent = try send(frames.arpRequest(), on: sender, source)
        attempts.append(ProbeAttempt(kind: .arp, size: ARPPacket.length, sentAtNs: arpSent, destination: .broadcast))
        let arpDeadline = monotonicNanoseconds() + timeout
        // A working path answers ARP within microseconds. When it has not after a short grace and the target's
        // MAC is known anyway, the echo requests leave at once, so a dropping path costs one timeout, not two.
        let fallback = plan.target.mac ?? neighbour?.mac
        let grace = min(arpDeadline, monotonicNanoseconds() + plan.options.arpGraceNs)
        var arpAnswered = log.waitForReplies([.arp], since: arpSent, deadlineNs: grace)
        if !arpAnswered, fallback == nil {
            arpAnswered = log.waitForReplies([.arp], since: arpSent, deadlineNs: arpDeadline)
        }

        let largeSize = plan.options.largeProbeSize ?? facts.mtu
        let echoes: [(ProbeKind, Int)] = [(.icmp, plan.options.smallProbeSize), (.icmpMTU, largeSize)]
        // The echo requests go to the MAC that answered; failing that, to the one known from elsewhere.
        if let destination = log.firstARPAnswer(since: arpSent) ?? fallback {
            for (kind, size) in echoes {
                let sentAt = try send(
                    frames.echoRequest(kind, size: size, destinationMAC: destination),
                    on: sender,
                    source
                )
                attempts.append(ProbeAttempt(kind: kind, size: size, sentAtNs: sentAt, destination: destination))
            }
            let awaited = echoes.map(\.0) + (arpAnswered ? [] : [.arp])
            _ = log.waitForReplies(awaited, since: arpSent, deadlineNs: monotonicNanoseconds() + timeout)
        } else {
            attempts += echoes.map { ProbeAttempt(kind: $0.0, size: $0.1, sentAtNs: nil, destination: nil) }
        }
        // Let every capture thread read what its ring still holds.
        usleep(UInt32(plan.options.drainNs / 1000))
        captures.stopAll()
        try captures.checkErrors()
        let hopCaptures = captures.hopCaptures

        var reportedSource = source
        reportedSource.ip = sourceIP
        reportedSource.mac = frames.sourceMAC
        let evidence = TraceEvidence(
            source: reportedSource,
            target: plan.target,
            hops: plan.hops,
            probes: attempts,
            observations: log.all,
            neighbour: neighbour ?? nil,
            unavailable: captures.unavailable,
            sourceMTU: facts.mtu,
            marker: marker,
            durationNs: monotonicNanoseconds() - started
        )
        return TraceOutcome(
            report: TraceCorrelation.report(evidence),
            evidence: evidence,
            captures: hopCaptures
        )
    }

    private func send(
        _ frame: [UInt8],
        on socket: PacketSocket,
        _ source: ResolvedEndpoint
    ) throws(TraceError)
        -> UInt64
    {
        let sentAt = realtimeNanoseconds()
        do { try socket.send(frame) } catch {
            throw TraceError(.sendFailed, "cannot send a probe on \(source.node):\(source.interface): \(error)")
        }
        return sentAt
    }
}

/// Results of the queries that run beside the capture setup.
/// Safe: each field is written by one thread before it leaves the group and read only after `wait()`.
private final class SideQueries: @unchecked Sendable {
    var facts: Result<InterfaceFacts, any Error>?
    var neighbour: Result<NeighbourEntry?, any Error>?

    func sourceFacts(_ source: ResolvedEndpoint) throws(TraceError) -> InterfaceFacts {
        switch facts {
        case .success(let facts)?: return facts
        case .failure(let error)?:
            throw TraceError(.unreadableState, "cannot read \(source.node):\(source.interface): \(error)")
        case nil:
            throw TraceError(.unreadableState, "cannot read \(source.node):\(source.interface)")
        }
    }
}

extension TraceOutcome {
    /// Every capture point's frames as one pcapng file, one interface block per point named `node:interface`.
    public func pcapng() -> PcapngFile {
        var file = PcapngFile()
        for capture in captures {
            let index = file.addInterface(PcapngFile.Interface(name: capture.point.label))
            for frame in capture.frames { file.append(frame, interface: index) }
        }
        return file
    }
}
