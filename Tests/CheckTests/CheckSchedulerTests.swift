import Check
import Foundation
import Plan
import Synchronization
import Testing

/// Records which expectations run at once, so the scheduling rules are checked without root or a network.
final class RunLog: Sendable {
    private let state = Mutex<(running: Set<String>, most: Int, overlaps: [Set<String>], runs: [String: Int])>(
        ([], 0, [], [:])
    )

    func begin(_ name: String) {
        state.withLock { state in
            state.running.insert(name)
            state.most = max(state.most, state.running.count)
            state.overlaps.append(state.running)
            state.runs[name, default: 0] += 1
        }
    }

    func end(_ name: String) { state.withLock { _ = $0.running.remove(name) } }
    var most: Int { state.withLock { $0.most } }
    var overlaps: [Set<String>] { state.withLock { $0.overlaps } }
    func runs(_ name: String) -> Int { state.withLock { $0.runs[name] ?? 0 } }
}

@Suite("Check scheduler")
struct CheckSchedulerTests {
    static func plan(_ checks: [Requirement]) -> Plan {
        let at = SourceLocation(file: "t.yaml", line: 1, column: 1)
        return Plan(file: "t.yaml", name: "t", expectations: checks.map { Expectation(check: $0, location: at) })
    }

    @Test("independent expectations overlap, never more than maxInFlight; results keep plan order")
    func bounded() async {
        let checks = (1...12).map { Requirement.reach(from: "src\($0)", to: "dst\($0)") }
        let log = RunLog()
        let runner = ClosureRunner { expectation, _, _ in
            log.begin(expectation.name)
            try? await Task.sleep(nanoseconds: 20_000_000)
            log.end(expectation.name)
            return ExpectationOutcome(status: .pass, message: "ok")
        }
        let run = await CheckScheduler.run([Self.plan(checks)], runner: runner, options: CheckOptions(maxInFlight: 4))
        #expect(run.results.map(\.expectation.name) == checks.map(\.defaultName))
        #expect(log.most <= 4)
        #expect(log.most >= 2)
        #expect(run.count(.pass) == 12)
    }

    @Test("two expectations between the same endpoints (either direction) never run at once")
    func samePairSerial() async {
        let checks: [Requirement] = [
            .reach(from: "ext", to: "ct1"), .mtu(from: "ct1", to: "ext", atLeast: 1500),
            .latency(from: "ext", to: "ct1", underNs: 1_000_000), .unique(segment: "br0", allow: []),
        ]
        let log = RunLog()
        let runner = ClosureRunner { expectation, _, _ in
            log.begin(expectation.name)
            try? await Task.sleep(nanoseconds: 10_000_000)
            log.end(expectation.name)
            return ExpectationOutcome(status: .pass, message: "ok")
        }
        _ = await CheckScheduler.run([Self.plan(checks)], runner: runner, options: CheckOptions(maxInFlight: 8))
        let pair = Set(checks.prefix(3).map(\.defaultName))
        #expect(log.overlaps.allSatisfy { $0.intersection(pair).count <= 1 })
    }

    @Test("a failing expectation is re-run until it passes within the retry timeout")
    func retries() async {
        let log = RunLog()
        let runner = ClosureRunner { expectation, _, attempt in
            log.begin(expectation.name)
            log.end(expectation.name)
            return ExpectationOutcome(status: attempt >= 3 ? .pass : .fail, message: "attempt \(attempt)")
        }
        // An hour: the bound is never reached, however loaded the machine, so only the passing run stops it.
        let options = CheckOptions(retryTimeoutNs: 3_600_000_000_000, sleepNs: 1_000_000)
        let run = await CheckScheduler.run([Self.plan([.reach(from: "a", to: "b")])], runner: runner, options: options)
        #expect(run.results[0].attempts == 3)
        #expect(run.results[0].outcome.status == .pass)
    }

    @Test("without a retry timeout a failure runs once; with one, it stops when the time is up")
    func retryBounded() async {
        let log = RunLog()
        let runner = ClosureRunner { expectation, _, _ in
            log.begin(expectation.name)
            log.end(expectation.name)
            return ExpectationOutcome(status: .fail, message: "down", codes: ["LINK_DOWN"])
        }
        let once = await CheckScheduler.run([Self.plan([.reach(from: "a", to: "b")])], runner: runner)
        #expect(once.results[0].attempts == 1)
        // 50 ms with 10 ms pauses: at most 5 reruns fit, however late the first run starts.
        let options = CheckOptions(retryTimeoutNs: 50_000_000, sleepNs: 10_000_000)
        let bounded = await CheckScheduler.run(
            [Self.plan([.reach(from: "c", to: "d")])],
            runner: runner,
            options: options
        )
        #expect(bounded.results[0].attempts <= 6)
        let capped = CheckOptions(retryTimeoutNs: 3_600_000_000_000, sleepNs: 1_000_000, maxAttempts: 4)
        let counted = await CheckScheduler.run(
            [Self.plan([.reach(from: "e", to: "f")])],
            runner: runner,
            options: capped
        )
        #expect(counted.results[0].attempts == 4)
        #expect(bounded.results[0].outcome.codes == ["LINK_DOWN"])
    }
}
