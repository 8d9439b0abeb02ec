/// Durations as plans and options write them: `250us`, `2ms`, `1.5s`, `2m`.
package enum PlanDuration {
    private static let units: [(suffix: String, nanoseconds: Double)] = [
        ("ns", 1), ("us", 1e3), ("µs", 1e3), ("ms", 1e6), ("s", 1e9), ("m", 60e9), ("h", 3600e9),
    ]

    /// The nanoseconds `text` stands for, or nil when it is not a number followed by ns, us, ms, s, m or h.
    package static func nanoseconds(_ text: String) -> UInt64? {
        // Longest suffix first, so that `2ms` is not read as `2m` followed by junk.
        for unit in units.sorted(by: { $0.suffix.count > $1.suffix.count }) where text.hasSuffix(unit.suffix) {
            let number = text.dropLast(unit.suffix.count)
            guard !number.isEmpty, number.allSatisfy({ $0.isNumber || $0 == "." }), let value = Double(number),
                value.isFinite, value >= 0, value * unit.nanoseconds < 1e18
            else { return nil }
            return UInt64((value * unit.nanoseconds).rounded())
        }
        return nil
    }

    /// The shortest exact spelling among ns, us, ms and s: `2ms`, `1500us`, `3s`.
    package static func text(nanoseconds: UInt64) -> String {
        for (suffix, size) in [("s", UInt64(1_000_000_000)), ("ms", 1_000_000), ("us", 1_000)]
        where nanoseconds >= size && nanoseconds % size == 0 {
            return "\(nanoseconds / size)\(suffix)"
        }
        return "\(nanoseconds)ns"
    }
}
