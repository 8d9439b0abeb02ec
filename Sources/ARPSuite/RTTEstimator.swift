/// Learns how long to wait for an ARP reply from the round trips already seen (RFC 6298's smoothed mean and
/// variance), so that silent addresses are retried after a few milliseconds on a LAN, not after a fixed 500 ms.
package struct RTTEstimator: Sendable, Equatable {
    /// The timeout before any reply has been seen.
    package var initialTimeoutNs: UInt64
    /// Never wait less than this: a busy responder or a bridge may add a little delay.
    package var minimumTimeoutNs: UInt64
    /// Never wait more than this, however slow the replies were.
    package var maximumTimeoutNs: UInt64
    package private(set) var smoothedNs: Double?
    package private(set) var variationNs: Double = 0
    package private(set) var samples = 0

    package init(
        initialTimeoutNs: UInt64 = 250_000_000,
        minimumTimeoutNs: UInt64 = 20_000_000,
        maximumTimeoutNs: UInt64 = 1_000_000_000
    ) {
        self.initialTimeoutNs = initialTimeoutNs
        self.minimumTimeoutNs = minimumTimeoutNs
        self.maximumTimeoutNs = maximumTimeoutNs
    }

    /// Adds one measured round trip.
    package mutating func add(_ rttNs: UInt64) {
        let sample = Double(rttNs)
        samples += 1
        guard let smoothed = smoothedNs else {
            smoothedNs = sample
            variationNs = sample / 2
            return
        }
        variationNs = 0.75 * variationNs + 0.25 * abs(smoothed - sample)
        smoothedNs = 0.875 * smoothed + 0.125 * sample
    }

    /// How long to wait for a reply now: smoothed RTT plus four variations, within the bounds.
    package var timeoutNs: UInt64 {
        guard let smoothed = smoothedNs else { return initialTimeoutNs }
        let learned = UInt64(smoothed + 4 * variationNs)
        return min(max(learned, minimumTimeoutNs), maximumTimeoutNs)
    }
}
