internal import LinuxNet
package import PacketCodec

/// One reply to `arp ping`.
package struct PingReply: Sendable, Hashable {
    /// The request it answers (the latest one sent before it), counting from 1.
    package var sequence: Int
    package var mac: MACAddress
    package var rttNs: UInt64
}

/// The outcome of `arp ping`.
package struct PingReport: Sendable {
    package var target: IPv4Address
    package var sent: Int
    package var replies: [PingReply]
    /// Every MAC that answered, in order of first reply; more than one means a duplicate or ARP flux.
    package var macs: [MACAddress] { replies.reduce(into: []) { if !$0.contains($1.mac) { $0.append($1.mac) } } }
    package var answered: Bool { !replies.isEmpty }
    /// Whether a `StopRequest` ended the run before its count or deadline.
    package var interrupted = false
}

/// What `arp ping` does, like arping: broadcast requests at an interval, every reply timed.
package struct PingPlan: Sendable {
    package var target: IPv4Address
    /// How many requests; nil sends until the deadline.
    package var count: Int?
    package var intervalNs: UInt64
    /// Stop after this long whatever happens; nil for count × interval plus one interval to hear late replies.
    package var deadlineNs: UInt64?
    /// After the first reply, send to the MAC that gave it instead of broadcasting (no flood through bridges, but
    /// a second station holding the address is then only heard on the first request).
    package var unicastAfterReply: Bool

    package init(
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
        if let count { return max(count, 0) }
        guard let deadlineNs else { return 4 }
        let requests = Int(clamping: deadlineNs / max(intervalNs, 1))
        return requests == .max ? .max : requests + 1
    }

    /// How long the run lasts at most: the deadline, else one interval per request (the last one to hear late
    /// replies); saturating, so no value of the plan can overflow the clock.
    package var longestRunNs: UInt64 { deadlineNs ?? Nanoseconds.product(requestLimit, intervalNs) }
}

/// Sends requests for `plan.target` (broadcast every time unless `unicastAfterReply`, so a second station
/// answering is heard) and reports every reply as it comes through `onReply`. A round trip runs from just before
/// the request goes to the kernel to the kernel's receive stamp of the reply, as ping(8) measures. `stop` ends it
/// early (within 100 ms), with the replies so far and `interrupted` set.
package func arpPing(
    on link: ARPLink,
    _ plan: PingPlan,
    stop: StopRequest? = nil,
    onReply: (PingReply) -> Void = { _ in }
) throws -> PingReport {
    let start = monotonicNanoseconds()
    let limit = plan.requestLimit
    let end = Nanoseconds.sum(start, plan.longestRunNs)
    var request = ARPFrame.request(for: plan.target, from: link.mac, ip: link.ip, vlan: link.vlan)
    var report = PingReport(target: plan.target, sent: 0, replies: [])
    var lastSentNs = start
    var nextSendNs = start
    while true {
        let now = monotonicNanoseconds()
        if now >= end { break }
        if let stop, stop.isStopped {
            report.interrupted = true
            break
        }
        if report.sent < limit && now >= nextSendNs {
            lastSentNs = try link.send(request)
            report.sent += 1
            nextSendNs = Nanoseconds.sum(nextSendNs, plan.intervalNs)
            continue
        }
        var until = report.sent < limit ? min(nextSendNs, end) : end
        if stop != nil { until = min(until, Nanoseconds.sum(now, StopRequest.pollNs)) }
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
