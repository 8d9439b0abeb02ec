/// The round-trip summary ping(8) prints: `rtt min/avg/max/mdev = 0.071/0.094/0.120/0.020 ms`.
///
/// `mdev` is ping's: the square root of the mean of the squares minus the square of the mean (the population
/// standard deviation), not the mean absolute deviation its name suggests.
package struct RTTSummary: Sendable, Hashable {
    package var minNs: UInt64
    package var avgNs: UInt64
    package var maxNs: UInt64
    package var mdevNs: UInt64

    /// The summary of `rtts`; nil when there are none.
    package init?(_ rtts: [UInt64]) {
        guard let minimum = rtts.min(), let maximum = rtts.max() else { return nil }
        let count = Double(rtts.count)
        let mean = rtts.reduce(0.0) { $0 + Double($1) } / count
        let meanOfSquares = rtts.reduce(0.0) { $0 + Double($1) * Double($1) } / count
        minNs = minimum
        maxNs = maximum
        avgNs = UInt64(mean.rounded())
        mdevNs = UInt64(max(0, meanOfSquares - mean * mean).squareRoot().rounded())
    }

    /// `min/avg/max/mdev` in milliseconds with three decimals, as ping prints them.
    package var millisecondsText: String {
        [minNs, avgNs, maxNs, mdevNs].map { value in
            let microseconds = (value + 500) / 1000
            let fraction = String(microseconds % 1000)
            return "\(microseconds / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
        }.joined(separator: "/")
    }
}

extension PingReport {
    /// The round trips' summary; nil when nothing answered.
    package var rtt: RTTSummary? { RTTSummary(replies.map(\.rttNs)) }
}
