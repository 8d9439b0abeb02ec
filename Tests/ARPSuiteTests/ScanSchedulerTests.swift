import ARPSuite
import PacketCodec
import Testing

/// Drives a scheduler against a pretend segment where `alive` answer after `rttNs` and `lost` requests vanish.
private func simulate(
    _ scheduler: inout ScanScheduler,
    alive: Set<IPv4Address>,
    rttNs: UInt64 = 100_000,
    lose lost: [IPv4Address: Set<Int>] = [:]
) -> (sends: [(IPv4Address, UInt64)], endNs: UInt64) {
    var now: UInt64 = 1_000_000
    var sends: [(IPv4Address, UInt64)] = []
    var pendingReplies: [(IPv4Address, UInt64)] = []
    var asked: [IPv4Address: Int] = [:]
    for _ in 0..<100_000 {
        pendingReplies.sort { $0.1 < $1.1 }
        switch scheduler.next(nowNs: now) {
        case .finished:
            return (sends, now)
        case .send(let address):
            sends.append((address, now))
            scheduler.sent(address, atNs: now)
            asked[address, default: 0] += 1
            if alive.contains(address) && !(lost[address] ?? []).contains(asked[address]!) {
                pendingReplies.append((address, now + rttNs))
            }
        case .wait(let until):
            if let reply = pendingReplies.first, reply.1 <= until {
                pendingReplies.removeFirst()
                now = max(now, reply.1)
                scheduler.replied(reply.0, atNs: now)
            } else {
                now = until
            }
        }
    }
    Issue.record("the scheduler never finished")
    return (sends, now)
}

private let network = IPv4Network("192.0.2.0/24")!

@Suite("Scan scheduling, retries and learned timeouts")
struct ScanSchedulerTests {
    @Test("every address is asked once, frames never beat the rate, and silent ones are retried (always)")
    func alwaysRetriesSilent() {
        let alive = Set(network.hosts.prefix(20))
        var scheduler = ScanScheduler(targets: network.hosts, ratePerSecond: 500, maxRetries: 1, policy: .always)
        let (sends, _) = simulate(&scheduler, alive: alive)
        #expect(sends.count == 254 + (254 - 20))
        #expect(Set(sends.map(\.0)) == Set(network.hosts))
        // On time every time, the pacing never sends two frames closer than the interval.
        for (earlier, later) in zip(sends, sends.dropFirst()) { #expect(later.1 - earlier.1 >= 2_000_000) }
        let retried = Dictionary(grouping: sends, by: \.0).filter { $0.value.count > 1 }.keys
        #expect(Set(retried) == Set(network.hosts).subtracting(alive))
        #expect(Set(scheduler.givenUp) == Set(network.hosts).subtracting(alive))
    }

    @Test("the timeout is learned from replies: a LAN's retries start within milliseconds, not 500 ms")
    func learnsTimeout() {
        var scheduler = ScanScheduler(targets: network.hosts, ratePerSecond: 500, maxRetries: 1, policy: .always)
        _ = simulate(&scheduler, alive: Set(network.hosts.prefix(20)), rttNs: 300_000)
        #expect(scheduler.estimator.samples == 20)
        #expect(scheduler.estimator.timeoutNs == scheduler.estimator.minimumTimeoutNs)
        var slow = RTTEstimator()
        for _ in 0..<10 { slow.add(400_000_000) }
        #expect(slow.timeoutNs > 400_000_000)
        #expect(slow.timeoutNs <= slow.maximumTimeoutNs)
    }

    @Test("adaptive: a clean path re-asks the responders and skips the second pass")
    func adaptiveCleanPath() {
        let alive = Set(network.hosts.prefix(20))
        var scheduler = ScanScheduler(targets: network.hosts, ratePerSecond: 500, maxRetries: 1, policy: .adaptive)
        let (sends, _) = simulate(&scheduler, alive: alive)
        #expect(sends.count == 254 + 20)
        #expect(scheduler.reaskConfirmed == 20)
        #expect(scheduler.pathIsClean == true)
        #expect(Set(scheduler.givenUp) == Set(network.hosts).subtracting(alive))
    }

    @Test("adaptive: a lost re-ask shows loss, so silent addresses are retried and a lost station is found")
    func adaptiveLossyPath() {
        let alive = Set(network.hosts.prefix(20))
        let hidden = network.hosts[100]
        var lossy = alive
        lossy.insert(hidden)
        var scheduler = ScanScheduler(targets: network.hosts, ratePerSecond: 500, maxRetries: 1, policy: .adaptive)
        // The first request to `hidden` and the re-ask to host 5 vanish.
        let (sends, _) = simulate(&scheduler, alive: lossy, lose: [hidden: [1], network.hosts[4]: [2]])
        #expect(scheduler.reaskLost == 1)
        #expect(scheduler.pathIsClean == false)
        #expect(sends.filter { $0.0 == hidden }.count == 3)
        #expect(!scheduler.givenUp.contains(hidden))
        #expect(sends.count == 254 + 20 + (254 - 20) + 1)
        var secondRun = ScanScheduler(targets: network.hosts, ratePerSecond: 500, maxRetries: 1, policy: .adaptive)
        let few = Set(network.hosts.prefix(3))
        let (fewSends, _) = simulate(&secondRun, alive: few)
        // Too few responders to judge the path: every silent address is retried, as arp-scan would.
        #expect(fewSends.count == 254 + 3 + (254 - 3))
        #expect(secondRun.pathIsClean == false)
    }

    @Test("late wake-ups are made good, so the average rate holds; a long stall is not burst out")
    func pacingCatchesUp() {
        var scheduler = ScanScheduler(targets: network.hosts, ratePerSecond: 500, maxRetries: 0, policy: .always)
        var now: UInt64 = 1_000_000_000
        var times: [UInt64] = []
        while times.count < 100 {
            switch scheduler.next(nowNs: now) {
            case .send(let address):
                times.append(now)
                scheduler.sent(address, atNs: now)
            case .wait(let until):
                // Every wake-up comes 1.5 ms late, as a coarse poll timer would.
                now = until + 1_500_000
            case .finished:
                Issue.record("finished early")
                return
            }
        }
        let span = times.last! - times.first!
        // 99 intervals of 2 ms: the average is kept within 2 %, not stretched to 3.5 ms per frame.
        #expect(span <= 99 * 2_040_000)
        #expect(span >= 99 * 2_000_000 - 2_000_000)
        // After a 100 ms stall, at most the forgiven debt (3 intervals) goes out back to back.
        let before = scheduler.framesSent
        now += 100_000_000
        var burst = 0
        while case .send(let address) = scheduler.next(nowNs: now) {
            scheduler.sent(address, atNs: now)
            burst += 1
        }
        #expect(burst == 4)
        #expect(scheduler.framesSent == before + 4)
    }

    @Test("zero retries gives up on silent addresses after one request")
    func noRetries() {
        var scheduler = ScanScheduler(targets: network.hosts, ratePerSecond: 1000, maxRetries: 0, policy: .always)
        let (sends, _) = simulate(&scheduler, alive: [])
        #expect(sends.count == 254)
        #expect(scheduler.givenUp.count == 254)
    }
}
