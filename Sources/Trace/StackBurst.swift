internal import Foundation
internal import LinuxNet
internal import PacketCodec

/// `trace --count N`: a short burst of echo requests through the source's own stack (as `ping -c N -i 0.005`
/// would send them), after the ordinary probes. Each carries the run's identifier and nonce (so every capture's
/// kernel filter already passes it) and its own sequence number, so each hop counts which of them went by and
/// when: the loss rate and the latency added per hop come from these.
package enum StackBurst {
    /// The sequence number of the burst's first request; the ordinary probes use 1 to 3.
    package static let firstSequence: UInt16 = 1000
    /// The largest burst `--count` accepts.
    package static let maxCount = 1000
    /// How long the burst waits for replies after its last request at least.
    static let minimumWaitNs: UInt64 = 1_000_000_000

    /// The sequence number of the burst's request `index`.
    static func sequence(_ index: Int) -> UInt16 { firstSequence + UInt16(index) }

    /// Sends `count` echo requests of `size` bytes on `socket` (opened in the source's namespace), one every
    /// `intervalNs`, while a thread of its own reads the answers; returns once every request was answered or
    /// `timeoutNs`, and at least `minimumWaitNs`, passed after the last one left (a request counts as lost only
    /// after a second, as ping's; a delay or a busy machine must not look like loss).
    static func run(
        socket: ICMPSocket,
        frames: ProbeFrames,
        count: Int,
        size: Int,
        intervalNs: UInt64,
        timeoutNs: UInt64
    ) -> [BurstSend] {
        let state = BurstState(count: count)
        let answered = DispatchGroup()
        answered.enter()
        DedicatedThread.start(name: "trace burst replies") {
            defer { answered.leave() }
            while !state.complete, let deadline = state.receiveDeadline {
                // Until the last request left the deadline is a short wait that is renewed, and a quiet moment
                // (a slow machine) is no reason to stop: only the deadline after the last request ends the wait.
                guard let datagram = try? socket.receive(deadlineNs: deadline, capacity: 4096) else {
                    if state.pastFinalDeadline { return }
                    continue
                }
                if let index = frames.burstReplyIndex(datagram.bytes, count: count) {
                    state.answer(index, at: datagram.receivedAtNs)
                }
            }
        }
        let start = monotonicNanoseconds()
        for index in 0..<count {
            let slot = start + UInt64(index) * intervalNs
            let now = monotonicNanoseconds()
            if slot > now { sleepNanoseconds(slot - now) }
            let sentAt = realtimeNanoseconds()
            do {
                try socket.send(frames.burstMessage(index, size: size), to: frames.targetIP.value)
                state.sent(index, at: sentAt)
            } catch {
                state.refused(index, "\(error)")
            }
        }
        state.lastSent(at: monotonicNanoseconds(), timeoutNs: max(timeoutNs, minimumWaitNs))
        answered.wait()
        return state.sends
    }
}

/// One request of the burst as the source handled it.
package struct BurstSend: Sendable, Hashable {
    package var sequence: UInt16
    /// Realtime ns it was handed to the kernel; nil when the kernel refused it.
    package var sentAtNs: UInt64?
    /// Realtime ns the source's socket got the reply; nil when none came in time.
    package var answeredAtNs: UInt64?
    /// Why the kernel refused to send it, if it did.
    package var sendError: String?

    package init(sequence: UInt16, sentAtNs: UInt64?, answeredAtNs: UInt64? = nil, sendError: String? = nil) {
        self.sequence = sequence
        self.sentAtNs = sentAtNs
        self.answeredAtNs = answeredAtNs
        self.sendError = sendError
    }
}

/// One sighting of a burst frame at one capture point.
package struct BurstSighting: Sendable, Hashable {
    /// Index of the capture point in the plan's `hops`.
    package var hop: Int
    package var sequence: UInt16
    package var direction: ProbeDirection
    /// Capture time, ns since the epoch.
    package var timestampNs: UInt64

    package init(hop: Int, sequence: UInt16, direction: ProbeDirection, timestampNs: UInt64) {
        self.hop = hop
        self.sequence = sequence
        self.direction = direction
        self.timestampNs = timestampNs
    }
}

/// What the burst observed: what the source sent and got, and every sighting of its frames.
package struct BurstEvidence: Sendable, Hashable {
    package var sends: [BurstSend]
    package var sightings: [BurstSighting]
    /// The gap between two requests.
    package var intervalNs: UInt64

    package init(sends: [BurstSend], sightings: [BurstSighting], intervalNs: UInt64) {
        self.sends = sends
        self.sightings = sightings
        self.intervalNs = intervalNs
    }
}

extension ProbeFrames {
    /// The burst's echo request `index` (header and payload, no IPv4 header) for an IPv4 total length `size`.
    func burstMessage(_ index: Int, size: Int) -> [UInt8] {
        let headers = IPv4Packet.headerLength + 8
        let fill = (0..<max(size - headers - 4 - Self.payloadTag.count, 0)).map { UInt8(truncatingIfNeeded: $0) }
        return ICMPMessage(
            type: ICMPMessage.echoRequest,
            identifier: marker.identifier,
            sequence: StackBurst.sequence(index),
            payload: marker.nonceBytes + Self.payloadTag + fill
        ).encoded()
    }

    /// The index of the burst request whose echo reply `packet` (an IPv4 packet from a raw socket) is.
    func burstReplyIndex(_ packet: [UInt8], count: Int) -> Int? {
        guard let ip = try? IPv4Packet(decoding: packet), ip.protocolNumber == IPv4Packet.protocolICMP,
            ip.source == targetIP, let icmp = try? ICMPMessage(decoding: ip.payload),
            icmp.type == ICMPMessage.echoReply
        else { return nil }
        return burstIndex(icmp, count: count)
    }

    /// A captured frame as a burst frame: its sequence number and direction, or nil when it is not one.
    func classifyBurst(_ bytes: [UInt8]) -> (sequence: UInt16, direction: ProbeDirection)? {
        guard let ethernet = try? EthernetFrame(decoding: bytes),
            let (ip, direction) = ipPacket(ethernet, protocolNumber: IPv4Packet.protocolICMP),
            let icmp = try? ICMPMessage(decoding: ip.payload),
            burstIndex(icmp, count: StackBurst.maxCount) != nil
        else { return nil }
        let expected = direction == .request ? ICMPMessage.echoRequest : ICMPMessage.echoReply
        return icmp.type == expected ? (icmp.sequence, direction) : nil
    }

    private func burstIndex(_ icmp: ICMPMessage, count: Int) -> Int? {
        guard icmp.identifier == marker.identifier, icmp.payload.starts(with: marker.nonceBytes),
            icmp.sequence >= StackBurst.firstSequence
        else { return nil }
        let index = Int(icmp.sequence - StackBurst.firstSequence)
        return index < count ? index : nil
    }
}

/// The burst's sends and answers, shared by the sending thread and the one reading replies.
/// Safe: every field is read and written under `lock`.
private final class BurstState: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [BurstSend]
    private var answers = 0
    private var deadline: UInt64?
    private var finished = false

    init(count: Int) {
        entries = (0..<count).map { BurstSend(sequence: StackBurst.sequence($0), sentAtNs: nil) }
    }

    func sent(_ index: Int, at ns: UInt64) { lock.withLock { entries[index].sentAtNs = ns } }

    func refused(_ index: Int, _ error: String) { lock.withLock { entries[index].sendError = error } }

    func answer(_ index: Int, at ns: UInt64) {
        lock.withLock {
            guard entries[index].answeredAtNs == nil else { return }
            entries[index].answeredAtNs = ns
            answers += 1
        }
    }

    func lastSent(at ns: UInt64, timeoutNs: UInt64) {
        lock.withLock {
            deadline = ns + timeoutNs
            finished = true
        }
    }

    /// The last request left and the wait after it is over.
    var pastFinalDeadline: Bool {
        lock.withLock { deadline.map { monotonicNanoseconds() >= $0 } ?? false }
    }

    /// Every sent request was answered, once the last one left.
    var complete: Bool {
        lock.withLock { finished && answers >= entries.filter { $0.sentAtNs != nil }.count }
    }

    /// Until the last request left, a short wait that is renewed; then the deadline after it.
    var receiveDeadline: UInt64? {
        lock.withLock { deadline ?? monotonicNanoseconds() + 50_000_000 }
    }

    var sends: [BurstSend] { lock.withLock { entries } }
}
