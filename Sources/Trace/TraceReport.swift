package import KernelDrops
package import NetworkModel
package import PacketCodec

/// The outcome of one trace, as `--json` prints it (schema `lxcdiag.trace/1`, see docs/trace-schema.md).
package struct TraceReport: Sendable, Hashable {
    package static let schema = "lxcdiag.trace/1"

    package var runID: String
    package var from: EndpointSummary
    package var to: EndpointSummary
    package var verdict: Verdict
    package var probes: [ProbeReport]
    package var drop: DropLocation?
    package var findings: [Finding]
    /// Wall time of the whole trace, from reading the source interface to closing the last capture.
    package var durationNs: UInt64
    /// What `--count`'s burst measured; nil without `--count`.
    package var burst: BurstReport?

    package init(
        runID: String,
        from: EndpointSummary,
        to: EndpointSummary,
        verdict: Verdict,
        probes: [ProbeReport],
        drop: DropLocation?,
        findings: [Finding],
        durationNs: UInt64,
        burst: BurstReport? = nil
    ) {
        self.burst = burst
        self.runID = runID
        self.from = from
        self.to = to
        self.verdict = verdict
        self.probes = probes
        self.drop = drop
        self.findings = findings
        self.durationNs = durationNs
    }

    /// The probe of `kind`, if it is in the report.
    package func probe(_ kind: ProbeKind) -> ProbeReport? { probes.first { $0.kind == kind } }
}

/// Whether the source's own traffic gets through: the verdict is about what the source's stack sends (the
/// stack probe); the crafted probes localize.
package enum Verdict: String, Sendable, Hashable, Codable {
    /// Every probe was answered, the stack probes included (a port's refusal is an answer: the path works,
    /// and the NOTHING_LISTENS finding says the service is missing).
    case reachable
    /// The source's own echo request was not answered (or, without a stack probe, no crafted one was), or ARP
    /// went unanswered while the source holds no usable neighbour entry: no new connection can start.
    case unreachable
    /// The source's own traffic passes, but a crafted probe was lost (typically the MTU-sized one).
    case degraded
}

/// One end of the trace as output shows it.
package struct EndpointSummary: Sendable, Hashable, Encodable {
    package var endpoint: String
    package var node: String
    package var interface: String
    package var ip: IPv4Address?
    package var mac: MACAddress?

    package init(endpoint: String, node: String, interface: String, ip: IPv4Address?, mac: MACAddress?) {
        self.endpoint = endpoint
        self.node = node
        self.interface = interface
        self.ip = ip
        self.mac = mac
    }

    private enum CodingKeys: String, CodingKey { case endpoint, node, interface, ip, mac }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(endpoint, forKey: .endpoint)
        try container.encode(node, forKey: .node)
        try container.encode(interface, forKey: .interface)
        try container.encode(ip, forKey: .ip)
        try container.encode(mac, forKey: .mac)
    }
}

/// One probe: what was sent, whether it was answered, and what every capture point saw of it.
package struct ProbeReport: Sendable, Hashable {
    package var kind: ProbeKind
    /// Bytes above Ethernet: 28 for ARP, the IPv4 total length for echo requests.
    package var size: Int
    /// False when the probe could not be sent (no MAC to send an echo request to).
    package var sent: Bool
    /// The destination MAC the probe was sent to (broadcast for ARP).
    package var sentTo: MACAddress?
    package var result: ProbeResult
    package var rttNs: UInt64?
    /// The MACs that answered, in the order their replies reached the source.
    package var answeredBy: [MACAddress]
    package var hops: [HopSighting]
    /// For the stack probe: why the source's kernel refused to send it (no route, an OUTPUT rule), if it did.
    package var sendError: String?
    /// The TCP or UDP port of a transport probe (`tcp`, `udp-stack`), nil for the others.
    package var port: UInt16?

    package init(
        kind: ProbeKind,
        size: Int,
        sent: Bool,
        sentTo: MACAddress? = nil,
        result: ProbeResult,
        rttNs: UInt64?,
        answeredBy: [MACAddress],
        hops: [HopSighting],
        sendError: String? = nil,
        port: UInt16? = nil
    ) {
        self.port = port
        self.kind = kind
        self.size = size
        self.sent = sent
        self.sentTo = sentTo
        self.result = result
        self.rttNs = rttNs
        self.answeredBy = answeredBy
        self.hops = hops
        self.sendError = sendError
    }

    /// The sighting at the capture point labelled `node:interface`.
    package func hop(_ label: String) -> HopSighting? { hops.first { $0.label == label } }
}

/// Whether a probe got its reply at the source.
package enum ProbeResult: String, Sendable, Hashable, Codable {
    case answered
    case lost
    /// The target answered that nothing listens on the port (a TCP RST, an ICMP port unreachable): the path
    /// works, the service is missing.
    case refused

    /// Whether an answer came back at all (a refusal is one: the path carried it both ways).
    package var gotAnswer: Bool { self != .lost }
}

/// What one capture point saw of one probe.
package struct HopSighting: Sendable, Hashable {
    package var node: String
    package var interface: String
    package var role: HopRole
    package var isSide: Bool
    package var request: Sighting
    package var reply: Sighting
    /// Why nothing could be captured here (the interface is down), or nil when the capture ran.
    package var captureError: String?
    /// For a side point: the bridge (`node:interface`) whose other port it is, when known.
    package var bridge: String?

    package init(
        node: String,
        interface: String,
        role: HopRole,
        isSide: Bool,
        request: Sighting,
        reply: Sighting,
        captureError: String? = nil,
        bridge: String? = nil
    ) {
        self.bridge = bridge
        self.node = node
        self.interface = interface
        self.role = role
        self.isSide = isSide
        self.request = request
        self.reply = reply
        self.captureError = captureError
    }

    package var label: String { "\(node):\(interface)" }
}

/// Whether a direction of a probe was captured at a point, and when (ns since the epoch, first copy).
package struct Sighting: Sendable, Hashable {
    package var timestampNs: UInt64?
    /// Nanoseconds since the request left the source's interface (as captured there); differences between
    /// hops are the per-hop latency. Nil when unseen or when the source did not capture the request.
    package var offsetNs: Int64?
    /// The 802.1Q tags of the first copy seen here, outermost first; empty when untagged or unseen.
    package var vlanIDs: [UInt16]
    package var seen: Bool { timestampNs != nil }

    package init(timestampNs: UInt64?, offsetNs: Int64? = nil, vlanIDs: [UInt16] = []) {
        self.timestampNs = timestampNs
        self.offsetNs = offsetNs
        self.vlanIDs = vlanIDs
    }

    package static let unseen = Sighting(timestampNs: nil)
}

/// Where a lost probe stopped: the last capture point on the path that saw it and the first that did not.
package struct DropLocation: Sendable, Hashable {
    package var probe: ProbeKind
    package var direction: ProbeDirection
    /// Nil when not even the source's own interface saw the frame leave.
    package var lastSeen: HopName?
    package var firstMissing: HopName?
    /// What the kernel said about the drop (the `skb:kfree_skb` reason and where), when it was recorded.
    package var kernel: KernelDrop?

    package init(
        probe: ProbeKind,
        direction: ProbeDirection,
        lastSeen: HopName?,
        firstMissing: HopName?,
        kernel: KernelDrop? = nil
    ) {
        self.probe = probe
        self.direction = direction
        self.lastSeen = lastSeen
        self.firstMissing = firstMissing
        self.kernel = kernel
    }
}

extension DropLocation {
    /// The frame's trail as one sentence that names the hops as the table shows them: `icmp request last seen
    /// at host:br0, never reached host:veth-ct1`; `icmp request reached ct1:eth0, no reply left it`.
    package var trail: String {
        let what = "\(probe.rawValue) \(direction.rawValue)"
        switch (lastSeen, firstMissing) {
        case (let last?, let missing?) where last == missing:
            return "\(probe.rawValue) request reached \(last), no reply left it"
        case (let last?, let missing?):
            return "\(what) last seen at \(last), never reached \(missing)"
        case (nil, let missing?):
            return "\(what) never seen, not even at \(missing)"
        case (let last?, nil):
            return "\(what) reached \(last) but not the source's socket (its own stack dropped it)"
        case (nil, nil):
            return "\(what) never seen"
        }
    }
}
