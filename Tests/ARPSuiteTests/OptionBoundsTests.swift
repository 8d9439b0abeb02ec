import ARPSuite
import PacketCodec
import Testing

@Suite("arp option bounds and saturating time arithmetic")
struct OptionBoundsTests {
    @Test(
        "durations read as seconds with a unit, and nothing but decimal numbers",
        arguments: [
            ("1.5", 1.5), ("250ms", 0.25), ("2s", 2), ("1m", 60), ("1h", 3600), ("500us", 0.0005), ("1e3ms", 1),
            ("-1", -1), ("1e30", 1e30),
        ] as [(String, Double)]
    )
    func seconds(text: String, expected: Double) {
        #expect(durationSeconds(text) == expected)
    }

    @Test(
        "malformed durations are nil",
        arguments: ["", "s", "ms", "abc", "nan", "inf", "0x10", "1.5x", " 1", "1 s", "--1"]
    )
    func malformed(text: String) {
        #expect(durationSeconds(text) == nil)
    }

    @Test("a range parses what it holds to the nanosecond")
    func inRange() throws {
        #expect(try DurationRange.interval.parse("1ms", option: "-i") == 1_000_000)
        #expect(try DurationRange.interval.parse("1h", option: "-i") == 3_600_000_000_000)
        #expect(try DurationRange.interval.parse("0.2", option: "-i") == 200_000_000)
        #expect(try DurationRange.run.parse("24h", option: "-w") == longestRunNs)
    }

    @Test(
        "out-of-range and malformed values are one usage line naming the option, the value and the range",
        arguments: ["1e30", "inf", "nan", "-1", "0", "0.0009", "3601", "2h", "1e30ms", "1.8e10", "abc", ""]
    )
    func outOfRange(text: String) {
        #expect {
            try DurationRange.interval.parse(text, option: "--wait")
        } throws: { error in
            guard let error = error as? ARPError else { return false }
            return error.kind == .usage && error.message.hasPrefix("--wait \(text) is ")
                && error.message.contains("1ms...1h") && !error.message.contains("\n")
        }
    }

    @Test("ranges describe themselves in the largest exact unit")
    func descriptions() {
        #expect(DurationRange.interval.description == "1ms...1h")
        #expect(DurationRange.run.description == "1ms...24h")
        #expect(formatDuration(90_000_000_000) == "90s")
        #expect(formatDuration(120_000_000_000) == "2m")
        #expect(formatDuration(1_500_000) == "0.0015s")
    }

    @Test("counts outside their range name the option")
    func counts() throws {
        #expect(try checkCount(5, 1...10, option: "-c") == 5)
        #expect {
            try checkCount(0, 1...10, option: "-c")
        } throws: { ($0 as? ARPError)?.message == "-c 0 is out of range 1...10" }
    }

    @Test("nanosecond arithmetic saturates instead of trapping")
    func saturating() {
        #expect(Nanoseconds.sum(.max - 1, 5) == .max)
        #expect(Nanoseconds.sum(1, 2) == 3)
        #expect(Nanoseconds.product(UInt64(1) << 40, UInt64(1) << 40) == .max)
        #expect(Nanoseconds.product(1_000_000, 3_600_000_000_000) == 3_600_000_000_000_000_000)
        #expect(Nanoseconds.product(-3, 10) == 0)
        #expect(Nanoseconds.fromSeconds(1e30) == .max)
        #expect(Nanoseconds.fromSeconds(.infinity) == .max)
        #expect(Nanoseconds.fromSeconds(.nan) == 0)
        #expect(Nanoseconds.fromSeconds(-1) == 0)
        #expect(Nanoseconds.fromSeconds(1.8e10) == 18_000_000_000_000_000_000)
        #expect(Nanoseconds.fromSeconds(0.25) == 250_000_000)
    }

    @Test("plans built from extreme values have a bounded, non-trapping run time")
    func plans() {
        let ping = PingPlan(target: .any, count: Int.max, intervalNs: .max, deadlineNs: nil)
        #expect(ping.longestRunNs == .max)
        let byDeadline = PingPlan(target: .any, count: nil, intervalNs: 1, deadlineNs: .max)
        #expect(byDeadline.longestRunNs == .max)
        let everything = ScanPlan(
            network: IPv4Network("0.0.0.0/0")!,
            ratePerSecond: 1,
            maxRetries: .max,
            policy: .always
        )
        #expect(everything.longestRunNs == .max)
        // A /24 at the default rate: 254 × 3 frames at 1/480 s, plus 3 × 2 s of timeouts.
        let lan = ScanPlan(network: IPv4Network("192.0.2.0/24")!, maxRetries: 1, policy: .adaptive)
        #expect(lan.longestRunNs == 254 * 3 * (1_000_000_000 / 480) + 6_000_000_000)
    }
}
