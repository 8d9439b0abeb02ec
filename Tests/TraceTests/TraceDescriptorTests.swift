import Foundation
import Glibc
import Testing
import Trace

/// The descriptors this process has open now.
private func openDescriptors() -> Int {
    // The directory listing opens one descriptor of its own, the same one every time.
    ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []).count
}

@Suite("The trace engine in a long-lived process", .serialized, .enabled(if: getuid() == 0, "needs root"))
struct TraceDescriptorTests {
    @Test("100 traces in one process: the open descriptors return to their baseline and do not grow")
    func descriptorsStayFlat() throws {
        let lab = try TracePathLab()
        defer { lab.tearDown() }
        let tracer = Tracer()
        // The first traces load libpcap and make what lives as long as the process (the tools' lifeline pipe).
        for _ in 0..<3 { #expect(try tracer.run(lab.plan()).report.verdict == .reachable) }
        let baseline = openDescriptors()
        var counts: [Int] = []
        for _ in 0..<100 {
            let outcome = try tracer.run(lab.plan())
            #expect(outcome.report.verdict == .reachable)
            counts.append(openDescriptors())
        }
        // Other suites run in this process at the same time and open descriptors of their own for a while, so
        // a few more than the baseline may be open at any moment; a trace that leaked one per run would leave
        // 100 more. Run alone (`--filter TraceDescriptorTests`), the counts equal the baseline.
        let slack = 8
        let last = counts.last ?? 0
        print("open descriptors: baseline \(baseline), after 100 traces \(last), max \(counts.max() ?? 0)")
        #expect(last <= baseline + slack, "baseline \(baseline), after each trace: \(counts)")
        let firstTen = counts.prefix(10).min() ?? 0
        let lastTen = counts.suffix(10).min() ?? 0
        #expect(lastTen <= firstTen + slack, "growing: \(counts)")
    }
}
