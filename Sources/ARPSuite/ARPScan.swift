import LinuxNet
public import PacketCodec

/// What `arp scan` sweeps and how politely.
public struct ScanPlan: Sendable {
    public var network: IPv4Network
    public var ratePerSecond: Int
    public var maxRetries: Int
    public var policy: RetryPolicy

    /// Just under arp-scan's default (256 kbit/s of 66-byte frames with their wire overhead: about 485 frames/s),
    /// so the default never sends faster than the tool it replaces.
    public static let defaultRate = 480
    /// Ranges larger than this need `--force`.
    public static let largestUnforcedPrefix = 16

    public init(network: IPv4Network, ratePerSecond: Int = defaultRate, maxRetries: Int = 1, policy: RetryPolicy) {
        self.network = network
        self.ratePerSecond = ratePerSecond
        self.maxRetries = maxRetries
        self.policy = policy
    }
}

/// A gratuitous ARP overheard while scanning.
public struct OverheardAnnouncement: Sendable, Hashable {
    public var ip: IPv4Address
    public var mac: MACAddress
}

/// The outcome of `arp scan`.
public struct ScanReport: Sendable {
    public var interface: String
    public var network: IPv4Network
    public var table: ResponderTable
    public var announcements: [OverheardAnnouncement]
    public var framesSent: Int
    public var elapsedNs: UInt64
    /// Replies re-asked to measure loss, and how many of them went unanswered (adaptive policy).
    public var lossProbes: (confirmed: Int, lost: Int)
    public var learnedTimeoutNs: UInt64
}

/// Sweeps `plan.network` from `link`: paced requests, replies timed, silent addresses retried per the policy.
public func arpScan(on link: ARPLink, _ plan: ScanPlan) throws -> ScanReport {
    let targets = plan.network.hosts.filter { $0 != link.ip }
    var scheduler = ScanScheduler(
        targets: targets,
        ratePerSecond: plan.ratePerSecond,
        maxRetries: plan.maxRetries,
        policy: plan.policy
    )
    var table = ResponderTable()
    var announcements: [OverheardAnnouncement] = []
    let start = monotonicNanoseconds()
    // A hard bound however the scheduler behaves: every frame at the rate, plus every timeout at its largest.
    let budgetNs = UInt64(targets.count * (plan.maxRetries + 2)) * scheduler.intervalNs
    let hardEnd = start + budgetNs + UInt64(plan.maxRetries + 2) * scheduler.estimator.maximumTimeoutNs * 2
    loop: while monotonicNanoseconds() < hardEnd {
        switch scheduler.next(nowNs: monotonicNanoseconds()) {
        case .finished:
            break loop
        case .send(let target):
            let sentNs = try link.send(ARPFrame.request(for: target, from: link.mac, ip: link.ip, vlan: link.vlan))
            scheduler.sent(target, atNs: sentNs)
        case .wait(let until):
            while let (frame, receivedNs) = try link.receive(untilNs: min(until, hardEnd)) {
                let packet = frame.packet
                if packet.isGratuitous {
                    let heard = OverheardAnnouncement(ip: packet.senderIP, mac: packet.senderMAC)
                    if !announcements.contains(heard) { announcements.append(heard) }
                    continue
                }
                guard packet.operation == .reply, packet.targetIP == link.ip, plan.network.contains(packet.senderIP)
                else { continue }
                // Every MAC's reply is timed from the latest request; only the scheduler's learning follows Karn.
                let sentNs = scheduler.lastSent(to: packet.senderIP)
                scheduler.replied(packet.senderIP, atNs: receivedNs)
                let rtt = sentNs.map { receivedNs >= $0 ? receivedNs - $0 : 0 }
                table.record(ip: packet.senderIP, mac: packet.senderMAC, rttNs: rtt)
                if monotonicNanoseconds() >= until { break }
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
        learnedTimeoutNs: scheduler.estimator.timeoutNs
    )
}
