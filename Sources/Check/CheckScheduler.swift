package import Plan

/// How `check` runs a plan: how many expectations at once, and how long to retry failing ones.
package struct CheckOptions: Sendable, Hashable {
    /// Independent expectations in flight at once.
    package var maxInFlight: Int
    /// Re-run a failing expectation until it passes or this much time has passed since the check began (0: once).
    package var retryTimeoutNs: UInt64
    /// Pause between two runs of a failing expectation.
    package var sleepNs: UInt64
    /// Bound on runs of one expectation, whatever the timeout.
    package var maxAttempts: Int

    package init(
        maxInFlight: Int = 8,
        retryTimeoutNs: UInt64 = 0,
        sleepNs: UInt64 = 1_000_000_000,
        maxAttempts: Int = 1000
    ) {
        self.maxInFlight = max(1, maxInFlight)
        self.retryTimeoutNs = retryTimeoutNs
        self.sleepNs = sleepNs
        self.maxAttempts = max(1, maxAttempts)
    }
}

/// One expectation's final result.
package struct ExpectationResult: Sendable, Hashable {
    package var planName: String
    package var planFile: String
    package var expectation: Expectation
    package var outcome: ExpectationOutcome
    /// How many times it ran (more than 1 only with a retry timeout).
    package var attempts: Int
    /// From its first run's start to its last run's end.
    package var durationNs: UInt64

    package init(
        planName: String,
        planFile: String,
        expectation: Expectation,
        outcome: ExpectationOutcome,
        attempts: Int,
        durationNs: UInt64
    ) {
        self.planName = planName
        self.planFile = planFile
        self.expectation = expectation
        self.outcome = outcome
        self.attempts = attempts
        self.durationNs = durationNs
    }
}

/// Every result of one `check`, in plan order.
package struct CheckRun: Sendable, Hashable {
    package var results: [ExpectationResult]
    package var durationNs: UInt64

    package init(results: [ExpectationResult], durationNs: UInt64) {
        self.results = results
        self.durationNs = durationNs
    }

    package func count(_ status: ExpectationOutcome.Status) -> Int { results.count { $0.outcome.status == status } }
}

/// Runs plans' expectations through a runner: independent ones concurrently, at most `maxInFlight` at once.
///
/// Two expectations are dependent when they send between the same two endpoints (in either direction): their
/// ARP requests and replies would be each other's, so they run one after the other, in plan order. Expectations
/// that only read the host's state (unique, no_findings) are independent of everything.
package enum CheckScheduler {
    package static func run(
        _ plans: [Plan],
        runner: some ExpectationRunner,
        options: CheckOptions = CheckOptions()
    ) async -> CheckRun {
        let clock = ContinuousClock()
        let began = clock.now
        let lanes = self.lanes(plans)
        var results: [Int: ExpectationResult] = [:]
        await withTaskGroup(of: [(Int, ExpectationResult)].self) { group in
            var next = lanes.startIndex
            func startNext() {
                guard next < lanes.endIndex else { return }
                let lane = lanes[next]
                next += 1
                group.addTask {
                    var done: [(Int, ExpectationResult)] = []
                    for item in lane {
                        done.append(
                            (
                                item.order,
                                await runRetrying(item, runner: runner, options: options, began: began, clock: clock)
                            )
                        )
                    }
                    return done
                }
            }
            for _ in 0..<min(options.maxInFlight, lanes.count) { startNext() }
            while let finished = await group.next() {
                for (order, result) in finished { results[order] = result }
                startNext()
            }
        }
        return CheckRun(
            results: results.keys.sorted().compactMap { results[$0] },
            durationNs: nanoseconds(clock.now - began)
        )
    }

    /// One expectation in its plan, with its position among all plans' expectations.
    struct Item: Sendable {
        var order: Int
        var plan: Plan
        var expectation: Expectation
    }

    /// The expectations grouped so that dependent ones share a lane; lanes in the order their first item appears.
    static func lanes(_ plans: [Plan]) -> [[Item]] {
        var lanes: [[Item]] = []
        var laneOfPair: [String: Int] = [:]
        var order = 0
        for plan in plans {
            for expectation in plan.expectations {
                let item = Item(order: order, plan: plan, expectation: expectation)
                order += 1
                guard let (from, to) = expectation.check.ends else {
                    lanes.append([item])
                    continue
                }
                let pair = [from, to].sorted().joined(separator: "\u{0}")
                if let index = laneOfPair[pair] {
                    lanes[index].append(item)
                } else {
                    laneOfPair[pair] = lanes.count
                    lanes.append([item])
                }
            }
        }
        return lanes
    }

    private static func runRetrying(
        _ item: Item,
        runner: some ExpectationRunner,
        options: CheckOptions,
        began: ContinuousClock.Instant,
        clock: ContinuousClock
    ) async -> ExpectationResult {
        let start = clock.now
        var attempt = 1
        var outcome = await runner.run(item.expectation, of: item.plan, attempt: attempt)
        while outcome.status != .pass, attempt < options.maxAttempts, !Task.isCancelled {
            let elapsed = nanoseconds(clock.now - began)
            guard elapsed + options.sleepNs < options.retryTimeoutNs else { break }
            try? await Task.sleep(nanoseconds: options.sleepNs)
            attempt += 1
            outcome = await runner.run(item.expectation, of: item.plan, attempt: attempt)
        }
        return ExpectationResult(
            planName: item.plan.name,
            planFile: item.plan.file,
            expectation: item.expectation,
            outcome: outcome,
            attempts: attempt,
            durationNs: nanoseconds(clock.now - start)
        )
    }

    private static func nanoseconds(_ duration: Swift.Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        return UInt64(max(0, seconds)) * 1_000_000_000 + UInt64(max(0, attoseconds) / 1_000_000_000)
    }
}
