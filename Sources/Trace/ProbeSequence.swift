import Dispatch
internal import LinuxNet
internal import NetworkModel
internal import PacketCodec

/// Sends one run's probes in order and waits for their replies: the ARP request, then both echo requests to
/// the MAC that answered, and beside them one echo request through the source's own stack.
struct ProbeSequence {
    var sender: PacketSocket
    /// The raw ICMP socket opened in the source's namespace, for the stack probe.
    var stack: ICMPSocket
    var source: ResolvedEndpoint
    var frames: ProbeFrames
    var log: ObservationLog
    var timeoutNs: UInt64
    var arpGraceNs: UInt64

    /// Sends the probes and returns what was sent; returns when every reply reached the source or a lost
    /// probe's timeout passed.
    ///
    /// A working path answers ARP within microseconds. When it has not after `arpGraceNs` and the target's
    /// MAC is known anyway (`fallbackMAC`), the echo requests leave at once, so a dropping path costs one
    /// timeout, not two; the ARP answer is still awaited until the echoes' deadline.
    ///
    /// The stack probe leaves after the crafted ARP was answered or given up on, so the answer to the crafted
    /// request cannot resolve the kernel's own neighbour entry for it (the kernel ignores an ARP reply it has
    /// no entry for); the kernel resolves the target itself, as it would for `ping`.
    func run(echoes: [(ProbeKind, Int)], stackSize: Int, fallbackMAC: MACAddress?) throws(TraceError) -> [ProbeAttempt]
    {
        let arpSent = try send(frames.arpRequest())
        var attempts = [ProbeAttempt(kind: .arp, size: ARPPacket.length, sentAtNs: arpSent, destination: .broadcast)]
        let arpDeadline = monotonicNanoseconds() + timeoutNs
        let grace = min(arpDeadline, monotonicNanoseconds() + arpGraceNs)
        var arpAnswered = log.waitForReplies([.arp], since: arpSent, deadlineNs: grace)
        if !arpAnswered, fallbackMAC == nil {
            arpAnswered = log.waitForReplies([.arp], since: arpSent, deadlineNs: arpDeadline)
        }
        let destination = log.firstARPAnswer(since: arpSent) ?? fallbackMAC
        let stackProbe = StackProbe(socket: stack, frames: frames, size: stackSize, log: log)
        stackProbe.start(timeoutNs: timeoutNs)
        if let destination {
            for (kind, size) in echoes {
                let sentAt: UInt64
                do { sentAt = try send(frames.echoRequest(kind, size: size, destinationMAC: destination)) } catch {
                    _ = stackProbe.finish()
                    throw error
                }
                attempts.append(ProbeAttempt(kind: kind, size: size, sentAtNs: sentAt, destination: destination))
            }
            let awaited = echoes.map(\.0) + (arpAnswered ? [] : [.arp]) + [.stack]
            _ = log.waitForReplies(awaited, since: arpSent, deadlineNs: monotonicNanoseconds() + timeoutNs)
        } else {
            attempts += echoes.map { ProbeAttempt(kind: $0.0, size: $0.1, sentAtNs: nil, destination: nil) }
        }
        return attempts + [stackProbe.finish()]
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

/// The echo request through the source's own stack, and the thread that waits for its reply on the socket.
/// Safe: `attempt` is written before the receiving thread starts and read after it left `done`.
private final class StackProbe: @unchecked Sendable {
    let socket: ICMPSocket
    let frames: ProbeFrames
    let size: Int
    let log: ObservationLog
    private var attempt: ProbeAttempt
    private let done = DispatchGroup()

    init(socket: ICMPSocket, frames: ProbeFrames, size: Int, log: ObservationLog) {
        self.socket = socket
        self.frames = frames
        self.size = size
        self.log = log
        attempt = ProbeAttempt(kind: .stack, size: size, sentAtNs: nil)
    }

    /// Sends the request and, when the kernel took it, waits up to `timeoutNs` on its own thread for the reply.
    func start(timeoutNs: UInt64) {
        let sentAt = realtimeNanoseconds()
        do {
            try socket.send(frames.echoMessage(.stack, size: size), to: frames.targetIP.value)
        } catch {
            // The kernel refused it outright: no route (ENETUNREACH), an OUTPUT rule (EPERM), ...
            attempt.sendError = "\(error)"
            return
        }
        attempt.sentAtNs = sentAt
        let deadline = monotonicNanoseconds() + timeoutNs
        done.enter()
        DedicatedThread.start(name: "trace stack probe") { [self] in
            defer { done.leave() }
            while let datagram = try? socket.receive(deadlineNs: deadline) {
                if frames.isEchoReply(datagram.bytes, to: .stack) {
                    attempt.answeredAtNs = datagram.receivedAtNs
                    log.recordStackAnswer(at: datagram.receivedAtNs)
                    return
                }
            }
        }
    }

    /// The attempt, once the receiving thread has its reply or gave up.
    func finish() -> ProbeAttempt {
        done.wait()
        return attempt
    }
}
