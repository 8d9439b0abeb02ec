package import PacketCodec

/// When a scan retries addresses that stayed silent.
package enum RetryPolicy: String, Sendable, CaseIterable {
    /// Retry every silent address, up to the retry limit, once the learned timeout has passed (arp-scan's way,
    /// with a learned instead of a fixed timeout).
    case always
    /// Re-ask every responder once to measure loss on the path; retry silent addresses only when a re-ask went
    /// unanswered or there were too few responders to tell. On a clean segment this saves a whole second pass.
    case adaptive
}

/// What a scan should do next.
package enum ScanAction: Sendable, Equatable {
    /// Send a request to this address now.
    case send(IPv4Address)
    /// Nothing to send before this monotonic time; listen until then.
    case wait(untilNs: UInt64)
    /// Every address answered, or gave up, and the last timeout passed.
    case finished
}

/// Paces a sweep and decides what to retry. Pure: the caller says what was sent and answered, and when.
///
/// Frames leave on a fixed grid at `ratePerSecond`, so timer slack neither raises nor lowers the average rate. Retries
/// come first, then the loss re-asks of the adaptive policy, then first attempts. A silent address is due for a
/// retry once its last request is older than the learned timeout (doubling per attempt).
package struct ScanScheduler: Sendable {
    package let policy: RetryPolicy
    package let maxRetries: Int
    package let intervalNs: UInt64
    /// Fewer re-asked responders than this cannot show a clean path; then silent addresses are retried anyway.
    package let minimumLossSamples: Int
    /// How many intervals of lateness the pacing makes good by sending sooner.
    package let catchUpIntervals: UInt64 = 3
    package private(set) var estimator: RTTEstimator

    private let targets: [IPv4Address]
    private var nextFirst = 0
    private var nextSendNs: UInt64?
    /// Requests awaiting an answer, oldest first, one queue per attempt number so each queue's front is due first.
    private var outstanding: [[IPv4Address]]
    private var lastSentNs: [IPv4Address: UInt64] = [:]
    private var attempts: [IPv4Address: Int] = [:]
    private var answered: Set<IPv4Address> = []
    private var retryReady: [IPv4Address] = []
    private var held: [IPv4Address] = []
    private var reaskQueue: [IPv4Address] = []
    /// Re-asks handed out by `next` and not yet reported by `sent`.
    private var reaskHandedOut: Set<IPv4Address> = []
    private var reasked: [IPv4Address: UInt64] = [:]
    private var reaskOutstanding: [IPv4Address] = []
    private var reaskAnswered: Set<IPv4Address> = []
    package private(set) var reaskLost = 0
    package private(set) var reaskConfirmed = 0
    package private(set) var framesSent = 0
    package private(set) var givenUp: [IPv4Address] = []

    package init(
        targets: [IPv4Address],
        ratePerSecond: Int,
        maxRetries: Int,
        policy: RetryPolicy,
        estimator: RTTEstimator = RTTEstimator(),
        minimumLossSamples: Int = 8
    ) {
        precondition(ratePerSecond > 0 && maxRetries >= 0)
        self.targets = targets
        self.intervalNs = 1_000_000_000 / UInt64(ratePerSecond)
        self.maxRetries = maxRetries
        self.policy = policy
        self.estimator = estimator
        self.minimumLossSamples = minimumLossSamples
        self.outstanding = Array(repeating: [], count: maxRetries + 1)
    }

    /// Whether the adaptive policy has seen enough to skip retries (true), needs them (false), or cannot tell yet.
    package var pathIsClean: Bool? {
        guard policy == .adaptive else { return false }
        if reaskLost > 0 { return false }
        let firstPassDone = nextFirst == targets.count && outstanding[0].isEmpty
        guard firstPassDone, reaskQueue.isEmpty, reaskHandedOut.isEmpty, reaskOutstanding.isEmpty else { return nil }
        return reaskConfirmed >= minimumLossSamples
    }

    /// How many addresses the sweep covers, and how many of them were asked at least once so far.
    package var targetCount: Int { targets.count }
    package var addressesAsked: Int { nextFirst }

    /// When the last first-attempt or retry request to `address` left, for timing each MAC's reply.
    package func lastSent(to address: IPv4Address) -> UInt64? { lastSentNs[address] }

    /// Records that a request to `address` left at `nowNs`.
    package mutating func sent(_ address: IPv4Address, atNs nowNs: UInt64) {
        framesSent += 1
        let grid = nextSendNs ?? nowNs
        // A late wake-up is made good on the next frames (the average stays at the rate), but a debt of more than
        // `catchUpIntervals` (the process was descheduled, or there was nothing to send) is forgiven, not burst out.
        let floor = nowNs > catchUpIntervals * intervalNs ? nowNs - catchUpIntervals * intervalNs : 0
        nextSendNs = max(grid, floor) + intervalNs
        if reaskHandedOut.remove(address) != nil {
            reasked[address] = nowNs
            reaskOutstanding.append(address)
            return
        }
        let attempt = attempts[address, default: 0] + 1
        attempts[address] = attempt
        lastSentNs[address] = nowNs
        outstanding[attempt - 1].append(address)
    }

    /// Records a reply from `address` at `nowNs`; returns the round trip when it can be told unambiguously.
    @discardableResult
    package mutating func replied(_ address: IPv4Address, atNs nowNs: UInt64) -> UInt64? {
        if let askedNs = reasked[address], !reaskAnswered.contains(address) {
            reaskAnswered.insert(address)
            reaskConfirmed += 1
            let rtt = nowNs >= askedNs ? nowNs - askedNs : 0
            estimator.add(rtt)
            return rtt
        }
        guard let sentNs = lastSentNs[address], answered.insert(address).inserted else { return nil }
        if policy == .adaptive {
            reaskQueue.append(address)
        }
        // Karn: a reply after a retry could answer either request, so it teaches nothing about the timeout.
        guard attempts[address] == 1 else { return nil }
        let rtt = nowNs >= sentNs ? nowNs - sentNs : 0
        estimator.add(rtt)
        return rtt
    }

    /// The next step at monotonic time `nowNs`.
    package mutating func next(nowNs: UInt64) -> ScanAction {
        expire(nowNs: nowNs)
        let hasWork = !retryReady.isEmpty || !reaskQueue.isEmpty || nextFirst < targets.count
        if hasWork {
            if let due = nextSendNs, due > nowNs { return .wait(untilNs: due) }
            if !retryReady.isEmpty { return .send(retryReady.removeFirst()) }
            if !reaskQueue.isEmpty {
                let address = reaskQueue.removeFirst()
                reaskHandedOut.insert(address)
                return .send(address)
            }
            defer { nextFirst += 1 }
            return .send(targets[nextFirst])
        }
        if let earliest = earliestDeadline() { return .wait(untilNs: earliest) }
        givenUp += held
        held = []
        return .finished
    }

    private func timeout(attempt: Int) -> UInt64 { estimator.timeoutNs << UInt64(attempt - 1) }

    private mutating func expire(nowNs: UInt64) {
        for index in outstanding.indices {
            let attempt = index + 1
            while let address = outstanding[index].first {
                if answered.contains(address) {
                    outstanding[index].removeFirst()
                    continue
                }
                guard lastSentNs[address]! + timeout(attempt: attempt) <= nowNs else { break }
                outstanding[index].removeFirst()
                if attempt > maxRetries {
                    givenUp.append(address)
                } else if policy == .adaptive {
                    held.append(address)
                } else {
                    retryReady.append(address)
                }
            }
        }
        while let address = reaskOutstanding.first {
            if reaskAnswered.contains(address) {
                reaskOutstanding.removeFirst()
                continue
            }
            guard reasked[address]! + timeout(attempt: 1) <= nowNs else { break }
            reaskOutstanding.removeFirst()
            reaskLost += 1
        }
        switch pathIsClean {
        case true?:
            givenUp += held
            held = []
        case false?:
            retryReady += held
            held = []
        case nil:
            break
        }
    }

    private func earliestDeadline() -> UInt64? {
        var earliest: UInt64?
        for index in outstanding.indices {
            if let address = outstanding[index].first {
                let due = lastSentNs[address]! + timeout(attempt: index + 1)
                earliest = min(earliest ?? due, due)
            }
        }
        if let address = reaskOutstanding.first {
            let due = reasked[address]! + timeout(attempt: 1)
            earliest = min(earliest ?? due, due)
        }
        return earliest
    }
}
