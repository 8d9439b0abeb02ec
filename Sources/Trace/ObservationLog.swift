internal import Foundation
internal import LinuxNet
internal import PacketCapture
internal import PacketCodec

/// Collects the probe frames every capture thread sees, and wakes the sender when the source has its replies.
///
/// Safe to share: every access to `observations` and `repliesAtSource` holds `condition`'s lock.
final class ObservationLog: @unchecked Sendable {
    private let frames: ProbeFrames
    private let sourceHop: Int
    private let condition = NSCondition()
    private var observations: [HopObservation] = []
    private var repliesAtSource: [ProbeKind: [UInt64]] = [:]
    private var burstSightings: [BurstSighting] = []

    init(frames: ProbeFrames, sourceHop: Int) {
        self.frames = frames
        self.sourceHop = sourceHop
    }

    /// Classifies a frame captured at `hop`; called on that capture's thread.
    func record(_ frame: CapturedFrame, at hop: Int) {
        guard let probeFrame = frames.classify(frame.bytes) else {
            if let (sequence, direction) = frames.classifyBurst(frame.bytes) {
                let sighting = BurstSighting(
                    hop: hop,
                    sequence: sequence,
                    direction: direction,
                    timestampNs: frame.timestampNs
                )
                condition.withLock { burstSightings.append(sighting) }
            }
            return
        }
        let observation = HopObservation(
            hop: hop,
            probe: probeFrame.probe,
            direction: probeFrame.direction,
            timestampNs: frame.timestampNs,
            answeredBy: probeFrame.answeredBy,
            destination: probeFrame.ethernet.destination,
            refused: probeFrame.refused,
            vlanIDs: probeFrame.ethernet.vlanTags.map(\.id)
        )
        condition.lock()
        observations.append(observation)
        // The stack probe counts as answered when the source's socket has the reply, not when a capture saw it.
        if hop == sourceHop, probeFrame.direction == .reply, probeFrame.probe.isCrafted {
            repliesAtSource[probeFrame.probe, default: []].append(frame.timestampNs)
            condition.broadcast()
        }
        condition.unlock()
    }

    /// Notes that the source's own socket received the answer to the stack probe `probe` at `timestampNs`
    /// (realtime).
    func recordStackAnswer(_ probe: ProbeKind, at timestampNs: UInt64) {
        condition.lock()
        repliesAtSource[probe, default: []].append(timestampNs)
        condition.broadcast()
        condition.unlock()
    }

    /// Waits until every probe in `probes` has a reply at the source stamped at or after `since`, or until
    /// `deadlineNs` (monotonic). Returns whether all replies came.
    func waitForReplies(_ probes: [ProbeKind], since: UInt64, deadlineNs: UInt64) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while true {
            let complete = probes.allSatisfy { probe in repliesAtSource[probe, default: []].contains { $0 >= since } }
            if complete { return true }
            let now = monotonicNanoseconds()
            if now >= deadlineNs { return false }
            _ = condition.wait(until: Date(timeIntervalSinceNow: Double(deadlineNs - now) / 1e9))
        }
    }

    /// The MAC of the first ARP reply at the source stamped at or after `since`.
    func firstARPAnswer(since: UInt64) -> MACAddress? {
        condition.lock()
        defer { condition.unlock() }
        return observations.filter {
            $0.hop == sourceHop && $0.probe == .arp && $0.direction == .reply && $0.timestampNs >= since
        }
        .min { $0.timestampNs < $1.timestampNs }?.answeredBy
    }

    /// Every sighting of `--count`'s burst so far.
    var burst: [BurstSighting] {
        condition.withLock { burstSightings }
    }

    /// Everything recorded so far.
    var all: [HopObservation] {
        condition.lock()
        defer { condition.unlock() }
        return observations
    }
}
