import LinuxNet
import NetworkModel
import PacketCodec

/// Sends one run's probes in order and waits for their replies: the ARP request, then both echo requests to
/// the MAC that answered.
struct ProbeSequence {
    var sender: PacketSocket
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
    func run(echoes: [(ProbeKind, Int)], fallbackMAC: MACAddress?) throws(TraceError) -> [ProbeAttempt] {
        let arpSent = try send(frames.arpRequest())
        var attempts = [ProbeAttempt(kind: .arp, size: ARPPacket.length, sentAtNs: arpSent, destination: .broadcast)]
        let arpDeadline = monotonicNanoseconds() + timeoutNs
        let grace = min(arpDeadline, monotonicNanoseconds() + arpGraceNs)
        var arpAnswered = log.waitForReplies([.arp], since: arpSent, deadlineNs: grace)
        if !arpAnswered, fallbackMAC == nil {
            arpAnswered = log.waitForReplies([.arp], since: arpSent, deadlineNs: arpDeadline)
        }
        guard let destination = log.firstARPAnswer(since: arpSent) ?? fallbackMAC else {
            return attempts + echoes.map { ProbeAttempt(kind: $0.0, size: $0.1, sentAtNs: nil, destination: nil) }
        }
        for (kind, size) in echoes {
            let sentAt = try send(frames.echoRequest(kind, size: size, destinationMAC: destination))
            attempts.append(ProbeAttempt(kind: kind, size: size, sentAtNs: sentAt, destination: destination))
        }
        let awaited = echoes.map(\.0) + (arpAnswered ? [] : [.arp])
        _ = log.waitForReplies(awaited, since: arpSent, deadlineNs: monotonicNanoseconds() + timeoutNs)
        return attempts
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
