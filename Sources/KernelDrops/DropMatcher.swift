/// Ties `kfree_skb` events to the run's frames: a buffer becomes "ours" when a packet tracepoint shows it
/// with one of the signature's lengths on a watched interface, and its drop is reported if it follows soon.
///
/// Buffer addresses are reused as soon as a buffer is freed, and a buffer freed normally (`consume_skb`) is
/// not traced, so a tracked address is trusted only for `window` nanoseconds after it was last seen; the
/// kernel drops a frame within microseconds of receiving or queueing it. Pure logic, no I/O.
package struct DropMatcher: Sendable {
    package let signature: DropSignature
    /// How long after its last packet event a buffer's drop is still attributed to it.
    package let windowNs: UInt64
    private var tracked: [String: Tracked] = [:]
    /// Events the kernel overwrote before they were read; drops among them are unknown.
    package private(set) var lostEvents = 0
    /// CLOCK_MONOTONIC minus the trace clock, once a clock marker has been seen.
    package private(set) var clockOffsetNs: Int64?

    private struct Tracked: Sendable {
        var frameLength: Int
        var lastEvent: PacketEvent
        var devices: [String]
    }

    package init(signature: DropSignature, windowNs: UInt64 = 10_000_000) {
        self.signature = signature
        self.windowNs = windowNs
    }

    /// Feeds one record in the kernel's order; returns the drop it completes, if any.
    package mutating func consume(_ record: TraceRecord) -> KernelDrop? {
        switch record {
        case .lost(_, let count):
            // Saturating: two damaged counts near Int.max must not trap.
            let (sum, overflow) = lostEvents.addingReportingOverflow(count)
            lostEvents = overflow ? Int.max : sum
            return nil
        case .clock(let traceNs, let monotonicNs):
            clockOffsetNs = Int64(bitPattern: monotonicNs &- traceNs)
            return nil
        case .packet(let event):
            track(event)
            return nil
        case .drop(let event):
            guard let buffer = tracked.removeValue(forKey: event.skb),
                !signature.ignoredReasons.contains(event.reason),
                event.timestampNs >= buffer.lastEvent.timestampNs,
                event.timestampNs - buffer.lastEvent.timestampNs <= windowNs
            else { return nil }
            return KernelDrop(
                reason: event.reason,
                location: event.location,
                device: buffer.lastEvent.device,
                length: buffer.frameLength,
                timestampNs: UInt64(bitPattern: Int64(bitPattern: event.timestampNs) &+ (clockOffsetNs ?? 0)),
                lastEvent: buffer.lastEvent.event,
                devices: buffer.devices
            )
        }
    }

    /// Whether a packet event has made the buffer at `buffer` (as the kernel printed its address) one of the
    /// run's, so that its drop would be reported.
    package func isTracking(buffer: String) -> Bool { tracked[buffer] != nil }

    private mutating func track(_ event: PacketEvent) {
        guard signature.watches(event.device),
            let frameLength = signature.frameLength(eventLength: event.length, direction: event.direction)
        else { return }
        if var buffer = tracked[event.skb],
            event.timestampNs - min(event.timestampNs, buffer.lastEvent.timestampNs) <= windowNs,
            buffer.frameLength == frameLength
        {
            buffer.lastEvent = event
            if !buffer.devices.contains(event.device) { buffer.devices.append(event.device) }
            tracked[event.skb] = buffer
        } else {
            tracked[event.skb] = Tracked(frameLength: frameLength, lastEvent: event, devices: [event.device])
        }
        // Forget buffers that went quiet, so the table stays as small as the run's traffic in flight.
        if tracked.count > 256 {
            tracked = tracked.filter {
                event.timestampNs - min(event.timestampNs, $0.value.lastEvent.timestampNs) <= windowNs
            }
        }
    }
}
