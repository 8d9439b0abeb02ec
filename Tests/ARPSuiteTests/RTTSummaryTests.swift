import ARPSuite
import Testing

@Suite struct RTTSummaryTests {
    @Test("min/avg/max/mdev as iputils ping computes them (population standard deviation)")
    func pingFigures() throws {
        // 100, 200, 300 us: mean 200, mean of squares 46 666.67 us², mdev sqrt(6 666.67) = 81.65 us.
        let summary = try #require(RTTSummary([100_000, 200_000, 300_000]))
        #expect(summary.minNs == 100_000 && summary.avgNs == 200_000 && summary.maxNs == 300_000)
        #expect(summary.mdevNs == 81_650)
        #expect(summary.millisecondsText == "0.100/0.200/0.300/0.082")
    }

    @Test("one reply has mdev 0; none has no summary")
    func edges() throws {
        #expect(try #require(RTTSummary([1_234_567])).millisecondsText == "1.235/1.235/1.235/0.000")
        #expect(RTTSummary([]) == nil)
    }
}
