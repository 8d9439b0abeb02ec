import LinuxNet
public import PacketCodec

/// One reply to `arp ping`.
public struct PingReply: Sendable, Hashable {
    /// The request it answers (the latest one sent before it), counting from 1.
    public var sequence: Int
    public var mac: MACAddress
    public var rttNs: UInt64
}

/// The outcome of `arp ping`.
public struct PingReport: Sendable {
    public var target: IPv4Address
    public var sent: Int
    public var replies: [PingReply]
    /// Every MAC that answered, in order of first reply; more than one means a duplicate or ARP flux.
    public var macs: [MACAddress] { replies.reduce(into: []) { if !$0.contains($1.mac) { $0.append($1.mac) } } }
    public var answered: Bool { !replies.isEmpty }
}

/// What `arp ping` does, like arping: broadcast requests at an interval, every reply timed.
public struct PingPlan: Sendable {
    public var target: IPv4Address
    /// How many requests; nil sends until the deadline.
    public var count: Int?
    public var intervalNs: UInt64
    /// Stop after this long whatever happens; nil for count × interval plus one interval to hear late replies.
    public var deadlineNs: UInt64?
    /// After the first reply, send to the MAC that gave it instead of broadcasting (no flood through bridges, but
    /// a second station holding the address is then only heard on the first request).
    public var unicastAfterReply: Bool

    public init(
        target: IPv4Address,
        count: Int?,
        intervalNs: UInt64,
        deadlineNs: UInt64?,
        unicastAfterReply: Bool = false
    ) {
        self.target = target
        self.count = count
        self.intervalNs = intervalNs
        self.deadlineNs = deadlineNs
        self.unicastAfterReply = unicastAfterReply
    }

    /// How many requests go out in total, given the deadline.
    var requestLimit: Int {
        if let count { return count }
        guard let deadlineNs else { return 4 }
        return Int(deadlineNs / max(intervalNs, 1)) + 1
    }
}

/// Sends requests for `plan.target` (broadcast every time unless `unicastAfterReply`, so a second station
/// answering is heard) and reports every reply as it comes through `onReply`. A round trip runs from just before
/// the request goes to the kernel to the kernel's receive stamp of the reply, as ping(8) measures.
public func arpPing(
    on link: ARPLink,
    _ plan: PingPlan,
    onReply: (PingReply) -> Void = { _ in }
) throws -> PingReport {
    let start = monotonicNanoseconds()
    let limit = plan.requestLimit
    let end = start + (plan.deadlineNs ?? UInt64(limit) * plan.intervalNs)
    var request = ARPFrame.request(for: plan.target, from: link.mac, ip: link.ip, vlan: link.vlan)
    var report = PingReport(target: plan.target, sent: 0, replies: [])
    var lastSentNs = start
    var nextSendNs = start
    while true {
        let now = monotonicNanoseconds()
        if now >= end { break }
        if report.sent < limit && now >= nextSendNs {
            lastSentNs = try link.send(request)
            report.sent += 1
            nextSendNs += plan.intervalNs
            continue
        }
        let until = report.sent < limit ? min(nextSendNs, end) : end
        guard let (frame, receivedNs) = try link.receive(untilNs: until) else { continue }
        let packet = frame.packet
        guard packet.operation == .reply, packet.senderIP == plan.target else { continue }
        guard packet.targetMAC == link.mac || packet.targetMAC == .broadcast || frame.destination == link.mac else {
            continue
        }
        let reply = PingReply(
            sequence: report.sent,
            mac: packet.senderMAC,
            rttNs: receivedNs >= lastSentNs ? receivedNs - lastSentNs : 0
        )
        report.replies.append(reply)
        if plan.unicastAfterReply && request.destination.isBroadcast { request.destination = reply.mac }
        onReply(reply)
        if let count = plan.count, plan.deadlineNs != nil, report.replies.count >= count { break }
    }
    return report
}
