internal import LinuxNet
package import PacketCodec

/// A station found using the address `arp dad` probed.
package struct AddressClaim: Sendable, Hashable {
    package enum Evidence: String, Sendable {
        /// It answered a probe, or sent any ARP with the address as its own.
        case claims
        /// It probed for the same address at the same time (RFC 5227 section 2.1.1).
        case probing
    }

    package var mac: MACAddress
    package var evidence: Evidence

    package init(mac: MACAddress, evidence: Evidence) {
        self.mac = mac
        self.evidence = evidence
    }
}

/// The outcome of `arp dad`.
package struct DADReport: Sendable {
    package var address: IPv4Address
    package var probesSent: Int
    package var claims: [AddressClaim]
    package var inUse: Bool { !claims.isEmpty }
}

/// RFC 5227 duplicate address detection: `probes` probes (sender 0.0.0.0) `intervalNs` apart, then listening
/// `waitNs` more; any other station claiming or probing for `address` is a conflict, and detection stops there.
package func detectAddressConflict(
    on link: ARPLink,
    address: IPv4Address,
    probes: Int = 3,
    intervalNs: UInt64 = 1_000_000_000,
    waitNs: UInt64 = 1_000_000_000
) throws -> DADReport {
    let probe = ARPFrame.probe(for: address, from: link.mac, vlan: link.vlan)
    var report = DADReport(address: address, probesSent: 0, claims: [])
    let start = monotonicNanoseconds()
    let end = Nanoseconds.sum(start, Nanoseconds.sum(Nanoseconds.product(probes - 1, intervalNs), waitNs))
    var nextSendNs = start
    var conflictEnd: UInt64?
    while true {
        let now = monotonicNanoseconds()
        if now >= min(end, conflictEnd ?? end) { break }
        if report.probesSent < probes, now >= nextSendNs, conflictEnd == nil {
            try link.send(probe)
            report.probesSent += 1
            nextSendNs = Nanoseconds.sum(nextSendNs, intervalNs)
            continue
        }
        var until = min(end, conflictEnd ?? end)
        if report.probesSent < probes, conflictEnd == nil { until = min(until, nextSendNs) }
        guard let (frame, _) = try link.receive(untilNs: until) else { continue }
        let packet = frame.packet
        guard packet.senderMAC != link.mac else { continue }
        let claim: AddressClaim
        if packet.senderIP == address {
            claim = AddressClaim(mac: packet.senderMAC, evidence: .claims)
        } else if packet.isProbe, packet.targetIP == address {
            claim = AddressClaim(mac: packet.senderMAC, evidence: .probing)
        } else {
            continue
        }
        if !report.claims.contains(where: { $0.mac == claim.mac }) { report.claims.append(claim) }
        // Keep listening briefly so a second claimant answering the same probe is named too.
        if conflictEnd == nil { conflictEnd = Nanoseconds.sum(monotonicNanoseconds(), 100_000_000) }
    }
    return report
}

/// Which gratuitous ARP forms `arp announce` sends.
package enum AnnouncementForm: String, Sendable, CaseIterable {
    case request
    case reply
    case both

    var operations: [ARPPacket.Operation] {
        switch self {
        case .request: [.request]
        case .reply: [.reply]
        case .both: [.request, .reply]
        }
    }
}

/// Sends `count` rounds of gratuitous ARP for `address` at the link's MAC, `intervalNs` apart; returns frames sent.
package func announceAddress(
    on link: ARPLink,
    address: IPv4Address,
    form: AnnouncementForm,
    count: Int,
    intervalNs: UInt64
) throws -> Int {
    var sent = 0
    for round in 0..<max(count, 0) {
        if round > 0 { sleepNanoseconds(intervalNs) }
        for operation in form.operations {
            try link.send(ARPFrame.announcement(of: address, at: link.mac, form: operation, vlan: link.vlan))
            sent += 1
        }
    }
    return sent
}
