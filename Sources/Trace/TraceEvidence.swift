package import KernelDrops
internal import LinuxNet
package import NetworkModel
package import PacketCodec

/// One sighting of one of this run's probe frames at one capture point.
package struct HopObservation: Sendable, Hashable {
    /// Index of the capture point in the plan's `hops`.
    package var hop: Int
    package var probe: ProbeKind
    package var direction: ProbeDirection
    /// Capture time, ns since the epoch.
    package var timestampNs: UInt64
    /// For replies: the MAC that answered.
    package var answeredBy: MACAddress?
    /// The frame's destination MAC (for the stack probe's request: where the source's kernel sent it).
    package var destination: MACAddress?
    /// For replies: the answer says nothing listens (a TCP RST, an ICMP port unreachable).
    package var refused: Bool
    /// The 802.1Q tags the frame carried here, outermost first (libpcap puts a tag the kernel holds in
    /// PACKET_AUXDATA back into the bytes); empty when untagged.
    package var vlanIDs: [UInt16]

    package init(
        hop: Int,
        probe: ProbeKind,
        direction: ProbeDirection,
        timestampNs: UInt64,
        answeredBy: MACAddress?,
        destination: MACAddress? = nil,
        refused: Bool = false,
        vlanIDs: [UInt16] = []
    ) {
        self.vlanIDs = vlanIDs
        self.hop = hop
        self.probe = probe
        self.direction = direction
        self.timestampNs = timestampNs
        self.answeredBy = answeredBy
        self.destination = destination
        self.refused = refused
    }
}

/// A probe as the sender handled it.
package struct ProbeAttempt: Sendable, Hashable {
    package var kind: ProbeKind
    package var size: Int
    /// Realtime ns at which the frame was handed to the socket; nil when it was not sent.
    package var sentAtNs: UInt64?
    /// The destination MAC the frame was sent to (broadcast for ARP; nil for the stack probe, whose MAC the
    /// kernel picks).
    package var destination: MACAddress?
    /// For the stack probe: realtime ns at which the source's own socket received the reply, nil when it did
    /// not (captures may still have seen a reply the source's stack then dropped).
    package var answeredAtNs: UInt64?
    /// For the stack probe: why the source's kernel refused to send it (`sendto`'s error), if it did.
    package var sendError: String?
    /// For a stack probe: its socket read that nothing listens (ECONNREFUSED).
    package var refused: Bool
    /// The TCP or UDP port of a transport probe.
    package var port: UInt16?

    package init(
        kind: ProbeKind,
        size: Int,
        sentAtNs: UInt64?,
        destination: MACAddress? = nil,
        answeredAtNs: UInt64? = nil,
        sendError: String? = nil,
        refused: Bool = false,
        port: UInt16? = nil
    ) {
        self.refused = refused
        self.port = port
        self.kind = kind
        self.size = size
        self.sentAtNs = sentAtNs
        self.destination = destination
        self.answeredAtNs = answeredAtNs
        self.sendError = sendError
    }
}

/// The source namespace's neighbour entry for the target, read before the probes ran.
package struct CachedNeighbour: Sendable, Hashable {
    package var ip: IPv4Address
    package var interface: String
    package var mac: MACAddress?
    /// The kernel's NUD state words, such as `REACHABLE`, `STALE`, `PERMANENT`, `FAILED`.
    package var states: [String]

    package init(ip: IPv4Address, interface: String, mac: MACAddress?, states: [String]) {
        self.ip = ip
        self.interface = interface
        self.mac = mac
        self.states = states
    }

    package var isPermanent: Bool { states.contains("PERMANENT") }

    /// Whether the kernel would send to this entry's MAC without asking ARP first succeeding (it has a MAC and
    /// is not FAILED or INCOMPLETE).
    package var isUsable: Bool { mac != nil && !states.contains("FAILED") && !states.contains("INCOMPLETE") }
}

/// Everything one run observed, before correlation: the input of `TraceCorrelation`.
package struct TraceEvidence: Sendable {
    package var source: ResolvedEndpoint
    package var target: ResolvedEndpoint
    package var hops: [CapturePoint]
    package var probes: [ProbeAttempt]
    package var observations: [HopObservation]
    package var neighbour: CachedNeighbour?
    /// Capture points that could not capture, by index in `hops`, with the reason (the interface is down).
    package var unavailable: [Int: String]
    /// The kernel's drops of this run's echo frames, when they were recorded.
    package var kernelDrops: [KernelDrop]
    /// Why kernel drops could not be recorded (asked for, but no tracefs), if so.
    package var kernelDropsUnavailable: String?
    /// The MTU of the source interface (the large probe's size unless the options fixed one).
    package var sourceMTU: Int?
    package var marker: RunMarker
    package var durationNs: UInt64
    /// What `--count`'s burst sent and every sighting of it; nil without `--count`.
    package var burst: BurstEvidence?

    package init(
        source: ResolvedEndpoint,
        target: ResolvedEndpoint,
        hops: [CapturePoint],
        probes: [ProbeAttempt],
        observations: [HopObservation],
        neighbour: CachedNeighbour?,
        unavailable: [Int: String] = [:],
        kernelDrops: [KernelDrop] = [],
        kernelDropsUnavailable: String? = nil,
        sourceMTU: Int?,
        marker: RunMarker,
        durationNs: UInt64,
        burst: BurstEvidence? = nil
    ) {
        self.burst = burst
        self.source = source
        self.target = target
        self.hops = hops
        self.probes = probes
        self.observations = observations
        self.neighbour = neighbour
        self.unavailable = unavailable
        self.kernelDrops = kernelDrops
        self.kernelDropsUnavailable = kernelDropsUnavailable
        self.sourceMTU = sourceMTU
        self.marker = marker
        self.durationNs = durationNs
    }

    /// The index of the source's own capture point (the plan puts it first).
    var sourceHop: Int {
        hops.firstIndex { $0.namespace == source.namespace && $0.interface == source.interface } ?? 0
    }

    /// The index of the target's own capture point, or the last path hop when the plan does not name it.
    var targetHop: Int? {
        hops.firstIndex { !$0.isSide && $0.namespace == target.namespace && $0.interface == target.interface }
            ?? hops.lastIndex { !$0.isSide }
    }
}
