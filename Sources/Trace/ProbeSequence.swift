import Foundation
internal import LinuxNet
internal import NetworkModel
internal import PacketCodec

/// Sends one run's probes in order and waits for their answers: the ARP request, then every crafted probe to
/// the MAC that answered, and beside them every stack probe through the source's own stack.
struct ProbeSequence {
    var sender: PacketSocket
    /// The stack probes with their sockets, opened in the source's namespace.
    var stack: [(probe: any StackProbe, exchange: any StackExchange)]
    var crafted: [any CraftedProbe]
    var source: ResolvedEndpoint
    var frames: ProbeFrames
    var log: ObservationLog
    var timeoutNs: UInt64
    var arpGraceNs: UInt64

    /// Sends the probes and returns what was sent (ARP, the crafted ones, the stack ones, in that order);
    /// returns when every answer reached the source or a lost probe's timeout passed.
    ///
    /// A working path answers ARP within microseconds. When it has not after `arpGraceNs` and the target's
    /// MAC is known anyway (`fallbackMAC`), the crafted probes leave at once, so a dropping path costs one
    /// timeout, not two; the ARP answer is still awaited until the others' deadline.
    ///
    /// The timeout counts from the first frame sent (the ARP request): on a dropping path the verdict comes one
    /// timeout after the run began, not one timeout after the grace. A probe that left late, after an ARP answer
    /// that was slow to come, still gets the timeout less the grace.
    ///
    /// The stack probes leave after the crafted ARP was answered or given up on, so the answer to the crafted
    /// request cannot resolve the kernel's own neighbour entry for it (the kernel ignores an ARP reply it has
    /// no entry for); the kernel resolves the target itself, as it would for `ping`. They also wait for the
    /// crafted probes' answers (at most a grace), so the two never race in a host's connection tracking.
    func run(fallbackMAC: MACAddress?) throws(TraceError) -> [ProbeAttempt] {
        let arpSent = try send(frames.arpRequest())
        var attempts = [ProbeAttempt(kind: .arp, size: ARPPacket.length, sentAtNs: arpSent, destination: .broadcast)]
        let arpDeadline = monotonicNanoseconds() + timeoutNs
        let grace = min(arpDeadline, monotonicNanoseconds() + arpGraceNs)
        let lateAllowanceNs = timeoutNs - min(arpGraceNs, timeoutNs)
        var arpAnswered = log.waitForReplies([.arp], since: arpSent, deadlineNs: grace)
        if !arpAnswered, fallbackMAC == nil {
            arpAnswered = log.waitForReplies([.arp], since: arpSent, deadlineNs: arpDeadline)
        }
        let destination = log.firstARPAnswer(since: arpSent) ?? fallbackMAC
        let deadline = max(arpDeadline, monotonicNanoseconds() + lateAllowanceNs)
        let running = RunningStackProbes(stack, log: log)
        if let destination {
            for probe in crafted {
                let sentAt = try send(probe.frame(frames, to: destination))
                attempts.append(
                    ProbeAttempt(
                        kind: probe.kind,
                        size: probe.size,
                        sentAtNs: sentAt,
                        destination: destination,
                        port: probe.port
                    )
                )
            }
            // The crafted echoes and the stack's own share one conntrack tuple (source, target, ICMP identifier).
            // Sent at the same moment from two CPUs, a host that tracks connections (br_netfilter with conntrack
            // rules: every Docker host) inserts one entry and drops the other frame as a clash (insert_failed), a
            // loss of the probes' own making. The stack probes leave once the crafted ones were answered, which
            // confirmed the entry, or after the grace; their deadline stays the run's.
            let craftedKinds = crafted.map(\.kind)
            _ = log.waitForReplies(
                craftedKinds,
                since: arpSent,
                deadlineNs: min(deadline, monotonicNanoseconds() + arpGraceNs)
            )
            running.start(deadlineNs: deadline)
            let awaited = craftedKinds + (arpAnswered ? [] : [.arp]) + stack.map(\.probe.kind)
            _ = log.waitForReplies(awaited, since: arpSent, deadlineNs: deadline)
        } else {
            running.start(deadlineNs: deadline)
            attempts += crafted.map {
                ProbeAttempt(kind: $0.kind, size: $0.size, sentAtNs: nil, destination: nil, port: $0.port)
            }
        }
        return attempts + running.finish()
    }

    /// Sends one frame and returns the realtime ns it left at (the clock libpcap stamps captures with).
    private func send(_ frame: [UInt8]) throws(TraceError) -> UInt64 {
        let sentAt = realtimeNanoseconds()
        do { try sender.send(frame) } catch {
            throw TraceError(.sendFailed, "cannot send a probe on \(source.node):\(source.interface): \(error)")
        }
        return sentAt
    }
}

/// The stack probes, each waiting for its answer on its own thread.
/// Safe: `outcomes` is only touched under `lock`; `finish` reads it after every thread left `done`.
private final class RunningStackProbes: @unchecked Sendable {
    let probes: [(probe: any StackProbe, exchange: any StackExchange)]
    let log: ObservationLog
    private var outcomes: [StackOutcome?]
    private let done = DispatchGroup()
    private let lock = NSLock()

    init(_ probes: [(probe: any StackProbe, exchange: any StackExchange)], log: ObservationLog) {
        self.probes = probes
        self.log = log
        outcomes = Array(repeating: nil, count: probes.count)
    }

    /// Sends every stack probe, each on its own thread, which waits until `deadline` (monotonic) for the answer.
    func start(deadlineNs deadline: UInt64) {
        for index in probes.indices {
            done.enter()
            DedicatedThread.start(name: "trace \(probes[index].probe.kind) probe") { [self] in
                defer { done.leave() }
                let outcome = probes[index].exchange.run(deadlineNs: deadline)
                lock.withLock { outcomes[index] = outcome }
                if let answered = outcome.answeredAtNs { log.recordStackAnswer(probes[index].probe.kind, at: answered) }
            }
        }
    }

    /// The attempts, once every thread has its answer or gave up.
    func finish() -> [ProbeAttempt] {
        done.wait()
        return zip(probes, lock.withLock { outcomes }).map { entry, outcome in
            ProbeAttempt(
                kind: entry.probe.kind,
                size: entry.probe.size,
                sentAtNs: outcome?.sentAtNs,
                answeredAtNs: outcome?.answeredAtNs,
                sendError: outcome?.sendError,
                refused: outcome?.refused ?? false,
                port: entry.probe.port
            )
        }
    }
}
