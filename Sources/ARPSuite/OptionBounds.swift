/// The longest any bounded `arp` run may take: a ping's count × interval, a scan's worst-case sweep, DAD's probes
/// and wait, announce's rounds, watch's `--duration`.
package let longestRunNs: UInt64 = 86_400 * 1_000_000_000

/// A range a duration option must fall in, and the parser that keeps values outside it from becoming numbers.
///
/// Values are read as seconds in `Double` and checked against the range before they become nanoseconds, so `1e30`,
/// `inf`, `nan` or `-1` is a usage error naming the option rather than a trap in `UInt64(_:)` later.
package struct DurationRange: Sendable, Equatable, CustomStringConvertible {
    package var lowerNs: UInt64
    package var upperNs: UInt64

    package init(lowerNs: UInt64, upperNs: UInt64) {
        precondition(lowerNs <= upperNs)
        self.lowerNs = lowerNs
        self.upperNs = upperNs
    }

    /// Intervals between frames and listening times: 1 ms to 1 h.
    package static let interval = DurationRange(lowerNs: 1_000_000, upperNs: 3_600_000_000_000)
    /// Whole runs (`ping -w`, `watch --duration`): 1 ms to a day.
    package static let run = DurationRange(lowerNs: 1_000_000, upperNs: longestRunNs)

    /// `1ms...1h`, as help and errors show it.
    package var description: String { "\(formatDuration(lowerNs))...\(formatDuration(upperNs))" }

    /// `text` (`1.5`, `250ms`, `2s`, `1m`, `1h`) in nanoseconds, or a one-line usage error naming `option`, the
    /// value and the range.
    package func parse(_ text: String, option: String) throws(ARPError) -> UInt64 {
        guard let seconds = durationSeconds(text) else {
            throw ARPError(.usage, "\(option) \(text) is not a duration (like 1.5, 250ms, 2s, 1m; range \(self))")
        }
        // Compared in seconds, before any conversion: NaN fails both comparisons.
        guard seconds >= Double(lowerNs) / 1e9, seconds <= Double(upperNs) / 1e9 else {
            throw ARPError(.usage, "\(option) \(text) is out of range \(self)")
        }
        return min(max(Nanoseconds.fromSeconds(seconds), lowerNs), upperNs)
    }
}

/// The seconds `text` stands for: a decimal number with an optional unit (`us`, `ms`, `s`, `m`, `h`); nil when it
/// is not one. The value may be negative, infinite or NaN; `DurationRange.parse` rejects those.
package func durationSeconds(_ text: String) -> Double? {
    let units: [(suffix: String, seconds: Double)] = [("ms", 1e-3), ("us", 1e-6), ("s", 1), ("m", 60), ("h", 3600)]
    var number = Substring(text)
    var scale = 1.0
    if let unit = units.first(where: { text.hasSuffix($0.suffix) }) {
        number = number.dropLast(unit.suffix.count)
        scale = unit.seconds
    }
    // Swift's Double(_:) reads hexadecimal floats and "nan"/"inf" too; a duration is plain decimal digits.
    guard !number.isEmpty, number.allSatisfy({ $0.isASCII && ($0.isNumber || "+-.eE".contains($0)) }),
        let value = Double(number)
    else { return nil }
    return value * scale
}

/// `value` when `range` holds it, else a one-line usage error naming `option`, the value and the range.
package func checkCount(_ value: Int, _ range: ClosedRange<Int>, option: String) throws(ARPError) -> Int {
    guard range.contains(value) else { throw ARPError(.usage, "\(option) \(value) is out of range \(range)") }
    return value
}

/// Nanosecond arithmetic that saturates at `UInt64.max` instead of trapping, for deadlines built from user values.
package enum Nanoseconds {
    package static func sum(_ first: UInt64, _ second: UInt64) -> UInt64 {
        let (value, overflow) = first.addingReportingOverflow(second)
        return overflow ? .max : value
    }

    package static func product(_ first: UInt64, _ second: UInt64) -> UInt64 {
        let (value, overflow) = first.multipliedReportingOverflow(by: second)
        return overflow ? .max : value
    }

    /// `count` × `nanoseconds`, a negative count counting as zero.
    package static func product(_ count: Int, _ nanoseconds: UInt64) -> UInt64 {
        product(UInt64(clamping: count), nanoseconds)
    }

    /// `seconds` in nanoseconds, rounded; 0 for NaN and negative values, `UInt64.max` for values beyond it.
    package static func fromSeconds(_ seconds: Double) -> UInt64 {
        let nanoseconds = (seconds * 1e9).rounded()
        guard nanoseconds > 0 else { return 0 }
        // 2^64 is exact in Double; anything at or above it does not fit.
        guard nanoseconds < 18_446_744_073_709_551_616.0 else { return .max }
        return UInt64(nanoseconds)
    }
}

/// `90s`, `1h`, `250ms`: the largest unit that shows `nanoseconds` exactly, else seconds with decimals.
package func formatDuration(_ nanoseconds: UInt64) -> String {
    let units: [(String, UInt64)] = [
        ("h", 3_600_000_000_000), ("m", 60_000_000_000), ("s", 1_000_000_000), ("ms", 1_000_000),
    ]
    for (suffix, scale) in units where nanoseconds >= scale && nanoseconds % scale == 0 {
        return "\(nanoseconds / scale)\(suffix)"
    }
    return "\(Double(nanoseconds) / 1e9)s"
}
