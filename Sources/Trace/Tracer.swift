internal import Foundation
internal import KernelDrops
internal import LinuxNet
package import NetworkModel
package import PacketCapture
internal import PacketCodec

/// The frames one capture point captured, for the pcapng file.
package struct HopCapture: Sendable {
    package var point: CapturePoint
    package var frames: [CapturedFrame]
}

/// A finished trace: the report and every capture point's frames.
package struct TraceOutcome: Sendable {
    package var report: TraceReport
    package var evidence: TraceEvidence
    package var captures: [HopCapture]
}

/// Runs a trace: captures on every hop, probes from the source, correlation into a report.
package struct Tracer: Sendable {
    package var queries: NamespaceQueries

    package init(queries: NamespaceQueries = .system) {
        self.queries = queries
    }

    /// Runs `plan` on a dedicated thread and suspends until the report is ready.
    package func run(_ plan: TracePlan) async throws -> TraceOutcome {
        try await DedicatedThread.run(name: "trace") { try self.run(plan) }
    }

    /// Runs `plan`, blocking the calling thread (which must not be a Swift concurrency thread) until done.
    ///
    /// Opens every capture at once, each in its namespace; sends the ARP request, then both echo requests to
    /// the MAC that answered and one echo request through the source namespace's own stack; returns once the source has every reply and the captures drained, or a lost
    /// probe's timeout passed. Captures are closed on return, on error, and on Ctrl-C (after a finished run, with
    /// `closeCapturesAtExit`, on a thread of their own that the process's exit waits for).
    package func run(_ plan: TracePlan) throws(TraceError) -> TraceOutcome {
        let started = monotonicNanoseconds()
        guard let targetIP = plan.target.ip else {
            throw TraceError(.badPlan, "the target \(plan.target.endpoint) has no IPv4 address to probe")
        }
        let source = plan.source
        let queries = self.queries

        // The source interface's facts first (ioctls: instant); they give the address and the large size.
        let facts: InterfaceFacts
        do { facts = try queries.interfaceFacts(source.namespace, source.interface) } catch {
            throw TraceError(.unreadableState, "cannot read \(source.node):\(source.interface): \(error)")
        }
        guard let sourceIP = source.ip ?? facts.addresses.first else {
            throw TraceError(.badPlan, "\(source.node):\(source.interface) has no IPv4 address to send from")
        }
        let largeSize = plan.options.largeProbeSize ?? facts.mtu
        let probes = ProbeCatalog.probes(
            smallSize: plan.options.smallProbeSize,
            largeSize: largeSize,
            transports: plan.options.transports
        )
        let echoSizes = probes.compactMap { ($0 as? EchoProbe)?.size }

        // The neighbour entry and the kernel drop recorder are set up while the captures open.
        let side = SideQueries()
        let sideDone = DispatchGroup()
        sideDone.enter()
        DedicatedThread.start(name: "trace neighbour") {
            side.neighbour = Result { try queries.neighbour(source.namespace, source.interface, targetIP) }
            sideDone.leave()
        }
        if plan.options.recordKernelDrops {
            let signature = DropSignature(
                frameLengths: Set(echoSizes.map { $0 + EthernetFrame.headerLength }),
                interfaces: Set(plan.hops.map(\.interface)),
                ignoredReasons: KernelDrop.copyReasons
            )
            sideDone.enter()
            DedicatedThread.start(name: "trace drops") {
                side.recorder = DropRecorder.start(signature: signature)
                sideDone.leave()
            }
        }
        defer {
            sideDone.wait()
            // On error the instance goes now; a finished run hands it to `KernelDropOutcome.store`.
            if !side.recorderHandedOff { side.recorder?.stop() }
        }
        let marker = plan.options.runMarker
        let filterFrames = ProbeFrames(
            marker: marker,
            sourceMAC: .zero,
            sourceIP: sourceIP,
            targetIP: targetIP,
            probes: probes
        )
        let captures = try CaptureSet.open(
            plan.hops,
            filter: filterFrames.captureFilter,
            snapLength: Int32(TraceOutcome.snapLength(sourceMTU: facts.mtu))
        )
        let cleanup = TerminationCleanup.shared.register { captures.stopAll() }
        var closing = false
        defer {
            if !closing { captures.close() }
            TerminationCleanup.shared.unregister(cleanup)
        }

        sideDone.wait()
        let neighbour = try? side.neighbour?.get()
        let frames = ProbeFrames(
            marker: marker,
            sourceMAC: source.mac ?? facts.mac,
            sourceIP: sourceIP,
            targetIP: targetIP,
            probes: probes
        )
        let sourceHop =
            plan.hops.firstIndex { $0.namespace == source.namespace && $0.interface == source.interface } ?? 0
        let log = ObservationLog(frames: frames, sourceHop: sourceHop)
        captures.start { hop, frame in log.record(frame, at: hop) }

        let sender: PacketSocket
        let stack: [(probe: any StackProbe, exchange: any StackExchange)]
        do {
            (sender, stack) = try withNetworkNamespace(source.namespace) {
                let sender = try PacketSocket(interface: source.interface)
                var stack: [(probe: any StackProbe, exchange: any StackExchange)] = []
                for case let probe as any StackProbe in probes { stack.append((probe, try probe.open(frames))) }
                return (sender, stack)
            }
        } catch {
            throw TraceError(.sendFailed, "cannot send from \(source.node):\(source.interface): \(error)")
        }
        let sequence = ProbeSequence(
            sender: sender,
            stack: stack,
            crafted: probes.compactMap { $0 as? any CraftedProbe },
            source: source,
            frames: frames,
            log: log,
            timeoutNs: plan.options.lossTimeoutNs,
            arpGraceNs: plan.options.arpGraceNs
        )
        let attempts = try sequence.run(fallbackMAC: plan.target.mac ?? neighbour?.mac)
        let burstSends = try sendBurst(plan, frames: frames)
        // Every frame a capture point will see of this run has passed it by now (the answers reached the source,
        // or the timeout passed): stop once each capture has handed over what its kernel socket took in.
        // A burst's hundreds of frames may still sit in the capture sockets: up to half a second more to take them.
        let drainNs = burstSends == nil ? plan.options.drainNs : max(plan.options.drainNs, 500_000_000)
        captures.drain(deadlineNs: monotonicNanoseconds() + drainNs)
        captures.stopAll()
        try captures.checkErrors()
        let hopCaptures = captures.hopCaptures
        // The recorder's teardown (removing its tracefs instance) overlaps the captures' close.
        let kernel = KernelDropOutcome()
        let recorderDone = DispatchGroup()
        if let recorder = side.recorder {
            side.recorderHandedOff = true
            recorderDone.enter()
            DedicatedThread.start(name: "trace drops stop") {
                kernel.store(recorder)
                recorderDone.leave()
            }
        }
        if plan.options.closeCapturesAtExit {
            // The close's RCU wait overlaps the rest of the run (correlation, diagnosis, output).
            closing = true
            ExitBarrier.start(name: "trace captures close") { captures.close() }
        } else {
            captures.close()
        }
        recorderDone.wait()

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
            kernelDrops: kernel.drops,
            kernelDropsUnavailable: kernel.unavailable,
            sourceMTU: facts.mtu,
            marker: marker,
            durationNs: monotonicNanoseconds() - started,
            burst: burstSends.map {
                BurstEvidence(sends: $0, sightings: log.burst, intervalNs: plan.options.burstIntervalNs)
            }
        )
        return TraceOutcome(
            report: TraceCorrelation.report(evidence),
            evidence: evidence,
            captures: hopCaptures
        )
    }
}

extension Tracer {
    /// `--count`'s burst through the source's own stack, after the other probes; nil without `--count`.
    private func sendBurst(_ plan: TracePlan, frames: ProbeFrames) throws(TraceError) -> [BurstSend]? {
        let count = min(plan.options.burstCount, StackBurst.maxCount)
        guard count > 0 else { return nil }
        let source = plan.source
        let socket: ICMPSocket
        do { socket = try withNetworkNamespace(source.namespace) { try ICMPSocket() } } catch {
            throw TraceError(.sendFailed, "cannot send from \(source.node):\(source.interface): \(error)")
        }
        return StackBurst.run(
            socket: socket,
            frames: frames,
            count: count,
            size: plan.options.smallProbeSize,
            intervalNs: plan.options.burstIntervalNs,
            timeoutNs: plan.options.lossTimeoutNs
        )
    }
}

/// Results of the work that runs beside the capture setup.
/// Safe: each field is written by one thread before it leaves the group and read only after `wait()`;
/// `recorderHandedOff` is written and read by the running thread alone.
private final class SideQueries: @unchecked Sendable {
    var neighbour: Result<CachedNeighbour?, any Error>?
    var recorder: DropRecorder?
    /// Set by the running thread once the recorder's teardown belongs to `KernelDropOutcome.store`.
    var recorderHandedOff = false
}

/// What the drop recorder gave: its drops, or why it could not record.
/// Safe: written by the stopping thread before it leaves its group, read only after `wait()`.
private final class KernelDropOutcome: @unchecked Sendable {
    var drops: [KernelDrop] = []
    var unavailable: String?

    /// Takes the recorder's drops; its instance is removed on a thread of its own, which overlaps the rest of
    /// the run (correlation, diagnosis, output) and which the process's exit waits for.
    func store(_ recorder: DropRecorder) {
        if case .unavailable(let error) = recorder.state { unavailable = "\(error)" }
        drops = recorder.collect()
        ExitBarrier.start(name: "trace drops removal") { recorder.stop() }
    }
}

extension TraceOutcome {
    /// Every capture point's frames as one pcapng file, as Wireshark users expect it: one interface block per
    /// point named `node:interface` and described (namespace, role, hop number); the run in the section comment;
    /// each probe frame commented with its kind and request/reply, and its direction at every hop: the kernel's
    /// `sll_pkttype` (PACKET_OUTGOING is outbound, anything else inbound) as the namespace capture reported it.
    package func pcapng() -> PcapngFile {
        var file = PcapngFile(
            comment: "lxcdiag trace run \(report.runID): from \(report.from.endpoint) to \(report.to.endpoint), "
                + "verdict \(report.verdict.rawValue)"
        )
        let frames = ProbeFrames(
            marker: evidence.marker,
            sourceMAC: evidence.source.mac ?? .zero,
            sourceIP: evidence.source.ip ?? .any,
            targetIP: evidence.target.ip ?? .any
        )
        let snapLength = UInt32(Self.snapLength(sourceMTU: evidence.sourceMTU ?? 1500))
        let onPath = captures.filter { !$0.point.isSide }.count
        var hopNumber = 0
        for capture in captures {
            let point = capture.point
            if !point.isSide { hopNumber += 1 }
            let place = point.isSide ? "side port off the path" : "hop \(hopNumber) of \(onPath)"
            let description = "\(point.namespace), role \(point.role.rawValue), \(place)"
            let index = file.addInterface(
                PcapngFile.Interface(name: point.label, description: description, snapLength: snapLength)
            )
            let ownMAC = ownMAC(of: point)
            for frame in capture.frames {
                let probe = frames.classify(frame.bytes)
                var note = PcapngFile.PacketNote()
                if let probe { note.comment = "\(probe.probe.rawValue) \(probe.direction.rawValue)" }
                if let direction = frame.direction, direction != .unknown {
                    note.direction = direction == .outgoing ? .outbound : .inbound
                } else if let ownMAC, let ethernet = try? EthernetFrame(decoding: frame.bytes) {
                    note.direction = ethernet.source == ownMAC ? .outbound : .inbound
                }
                file.append(frame, interface: index, note: note)
            }
        }
        return file
    }

    /// What the captures keep of a frame: the largest frame the path carries (the source's MTU, which no hop's
    /// path MTU exceeds, plus an Ethernet header and two 802.1Q tags), never less than 2048 bytes, so a jumbo
    /// probe is captured whole at every hop.
    package static func snapLength(sourceMTU: Int) -> Int { max(2048, sourceMTU + 22) }

    /// The MAC of `point` when it is the source's or the target's own interface: there a frame from that MAC was
    /// sent by it and any other was received. Elsewhere (bridge ports, uplinks) the direction is not known from
    /// the frame alone, and is left out.
    private func ownMAC(of point: CapturePoint) -> MACAddress? {
        for end in [evidence.source, evidence.target]
        where end.namespace == point.namespace && end.interface == point.interface {
            return end.mac
        }
        return nil
    }
}
