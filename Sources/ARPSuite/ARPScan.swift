internal import LinuxNet
package import PacketCodec

/// What `arp scan` sweeps and how politely.
package struct ScanPlan: Sendable {
    package var network: IPv4Network
    package var ratePerSecond: Int
    package var maxRetries: Int
    package var policy: RetryPolicy
    /// The addresses to ask (`arp scan -f FILE`), all inside `network`; nil asks every host of `network`.
    package var targets: [IPv4Address]?
    /// Ask the addresses in random order (arp-scan `--random`) rather than ascending.
    package var randomOrder = false

    /// Just under arp-scan's default (256 kbit/s of 66-byte frames with their wire overhead: about 485 frames/s),
    /// so the default never sends faster than the tool it replaces.
    package static let defaultRate = 480
    /// Ranges larger than this need `--force`.
    package static let largestUnforcedPrefix = 16

    package init(network: IPv4Network, ratePerSecond: Int = defaultRate, maxRetries: Int = 1, policy: RetryPolicy) {
        self.network = network
        self.ratePerSecond = ratePerSecond
        self.maxRetries = maxRetries
        self.policy = policy
    }

    /// A sweep's hard bound: every frame (each address asked up to `maxRetries` + 2 times, counting the adaptive
    /// re-ask) at the rate, plus every timeout at its largest. Saturating, so no plan overflows the clock;
    /// `arp scan` refuses plans whose bound exceeds `longestRunNs`.
    package var longestRunNs: UInt64 {
        let addresses =
            targets.map { UInt64($0.count) } ?? (network.prefixLength >= 31 ? network.size : network.size - 2)
        let attempts = Nanoseconds.sum(UInt64(clamping: maxRetries), 2)
        let intervalNs = 1_000_000_000 / UInt64(clamping: max(ratePerSecond, 1))
        let frames = Nanoseconds.product(Nanoseconds.product(addresses, attempts), intervalNs)
        let timeouts = Nanoseconds.product(attempts, 2 * RTTEstimator().maximumTimeoutNs)
        return Nanoseconds.sum(frames, timeouts)
    }
}

/// A gratuitous ARP overheard while scanning.
package struct OverheardAnnouncement: Sendable, Hashable {
    package var ip: IPv4Address
    package var mac: MACAddress
}

/// The outcome of `arp scan`.
package struct ScanReport: Sendable {
    package var interface: String
    package var network: IPv4Network
    package var table: ResponderTable
    package var announcements: [OverheardAnnouncement]
    package var framesSent: Int
    package var elapsedNs: UInt64
    /// Replies re-asked to measure loss, and how many of them went unanswered (adaptive policy).
    package var lossProbes: (confirmed: Int, lost: Int)
    package var learnedTimeoutNs: UInt64
    /// How many addresses the sweep covers (the network's hosts but the link's own), and how many were asked.
    package var addressCount: Int
    package var addressesAsked: Int
    /// Whether a `StopRequest` ended the sweep before it finished.
    package var interrupted: Bool
}

/// Sweeps `plan.network` from `link`: paced requests, replies timed, silent addresses retried per the policy.
/// `onResponder` hears each new address-and-MAC pair as its first reply arrives; `stop` ends the sweep early
/// (within 100 ms) with what was found so far and `interrupted` set. `record` hears every frame the sweep sent
/// and every ARP frame the link received (`arp scan -W`).
package func arpScan(
    on link: ARPLink,
    _ plan: ScanPlan,
    stop: StopRequest? = nil,
    progress: (_ asked: Int, _ of: Int) -> Void = { _, _ in },
    record: ((LinkFrame) -> Void)? = nil,
    onResponder: (Responder) -> Void = { _ in }
) throws -> ScanReport {
    var targets = (plan.targets ?? Array(plan.network.hosts)).filter { $0 != link.ip }
    if plan.randomOrder { targets.shuffle() }
    let asked = plan.targets.map(Set.init)
    var scheduler = ScanScheduler(
        targets: targets,
        ratePerSecond: plan.ratePerSecond,
        maxRetries: plan.maxRetries,
        policy: plan.policy
    )
    var table = ResponderTable()
    var announcements: [OverheardAnnouncement] = []
    let start = monotonicNanoseconds()
    // A hard bound however the scheduler behaves.
    let hardEnd = Nanoseconds.sum(start, plan.longestRunNs)
    var interrupted = false
    loop: while monotonicNanoseconds() < hardEnd {
        if let stop, stop.isStopped {
            interrupted = true
            break
        }
        progress(scheduler.addressesAsked, scheduler.targetCount)
        switch scheduler.next(nowNs: monotonicNanoseconds()) {
        case .finished:
            break loop
        case .send(let target):
            let request = ARPFrame.request(for: target, from: link.mac, ip: link.ip, vlan: link.vlan)
            let wallNs = realtimeNanoseconds()
            let sentNs = try link.send(request)
            scheduler.sent(target, atNs: sentNs)
            record?(
                LinkFrame(frame: request, bytes: request.encoded(), monotonicNs: sentNs, wallNs: wallNs, outbound: true)
            )
        case .wait(let until):
            let listenEnd = min(until, hardEnd, Nanoseconds.sum(monotonicNanoseconds(), StopRequest.pollNs))
            while let heard = try link.receiveRecord(untilNs: listenEnd) {
                record?(heard)
                let packet = heard.frame.packet
                let receivedNs = heard.monotonicNs
                if packet.isGratuitous {
                    let heard = OverheardAnnouncement(ip: packet.senderIP, mac: packet.senderMAC)
                    if !announcements.contains(heard) { announcements.append(heard) }
                    continue
                }
                guard packet.operation == .reply, packet.targetIP == link.ip, plan.network.contains(packet.senderIP),
                    asked?.contains(packet.senderIP) ?? true
                else { continue }
                // Every MAC's reply is timed from the latest request; only the scheduler's learning follows Karn.
                let sentNs = scheduler.lastSent(to: packet.senderIP)
                scheduler.replied(packet.senderIP, atNs: receivedNs)
                let rtt = sentNs.map { receivedNs >= $0 ? receivedNs - $0 : 0 }
                if let new = table.record(ip: packet.senderIP, mac: packet.senderMAC, rttNs: rtt) { onResponder(new) }
                if monotonicNanoseconds() >= listenEnd || stop?.isStopped == true { break }
            }
        }
    }
    return ScanReport(
        interface: link.interface,
        network: plan.network,
        table: table,
        announcements: announcements,
        framesSent: scheduler.framesSent,
        elapsedNs: monotonicNanoseconds() - start,
        lossProbes: (scheduler.reaskConfirmed, scheduler.reaskLost),
        learnedTimeoutNs: scheduler.estimator.timeoutNs,
        addressCount: scheduler.targetCount,
        addressesAsked: scheduler.addressesAsked,
        interrupted: interrupted
    )
}
