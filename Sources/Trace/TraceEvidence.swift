public import KernelDrops
import LinuxNet
public import NetworkModel
public import PacketCodec

/// One sighting of one of this run's probe frames at one capture point.
public struct HopObservation: Sendable, Hashable {
    /// Index of the capture point in the plan's `hops`.
    public var hop: Int
    public var probe: ProbeKind
    public var direction: ProbeDirection
    /// Capture time, ns since the epoch.
    public var timestampNs: UInt64
    /// For replies: the MAC that answered.
    public var answeredBy: MACAddress?
    /// The frame's destination MAC (for the stack probe's request: where the source's kernel sent it).
    public var destination: MACAddress?

    public init(
        hop: Int,
        probe: ProbeKind,
        direction: ProbeDirection,
        timestampNs: UInt64,
        answeredBy: MACAddress?,
        destination: MACAddress? = nil
    ) {
        self.hop = hop
        self.probe = probe
        self.direction = direction
        self.timestampNs = timestampNs
        self.answeredBy = answeredBy
        self.destination = destination
    }
}

/// A probe as the sender handled it.
public struct ProbeAttempt: Sendable, Hashable {
    public var kind: ProbeKind
    public var size: Int
    /// Realtime ns at which the frame was handed to the socket; nil when it was not sent.
    public var sentAtNs: UInt64?
    /// The destination MAC the frame was sent to (broadcast for ARP; nil for the stack probe, whose MAC the
    /// kernel picks).
    public var destination: MACAddress?
    /// For the stack probe: realtime ns at which the source's own socket received the reply, nil when it did
    /// not (captures may still have seen a reply the source's stack then dropped).
    public var answeredAtNs: UInt64?
    /// For the stack probe: why the source's kernel refused to send it (`sendto`'s error), if it did.
    public var sendError: String?

    public init(
        kind: ProbeKind,
        size: Int,
        sentAtNs: UInt64?,
        destination: MACAddress? = nil,
        answeredAtNs: UInt64? = nil,
        sendError: String? = nil
    ) {
        self.kind = kind
        self.size = size
        self.sentAtNs = sentAtNs
        self.destination = destination
        self.answeredAtNs = answeredAtNs
        self.sendError = sendError
    }
}

/// The source namespace's neighbour entry for the target, read before the probes ran.
public struct CachedNeighbour: Sendable, Hashable {
    public var ip: IPv4Address
    public var interface: String
    public var mac: MACAddress?
    /// The kernel's NUD state words, such as `REACHABLE`, `STALE`, `PERMANENT`, `FAILED`.
    public var states: [String]

    public init(ip: IPv4Address, interface: String, mac: MACAddress?, states: [String]) {
        self.ip = ip
        self.interface = interface
        self.mac = mac
        self.states = states
    }

    public var isPermanent: Bool { states.contains("PERMANENT") }

    /// Whether the kernel would send to this entry's MAC without asking ARP first succeeding (it has a MAC and
    /// is not FAILED or INCOMPLETE).
    public var isUsable: Bool { mac != nil && !states.contains("FAILED") && !states.contains("INCOMPLETE") }
}

/// Everything one run observed, before correlation: the input of `TraceCorrelation`.
public struct TraceEvidence: Sendable {
    public var source: ResolvedEndpoint
    public var target: ResolvedEndpoint
    public var hops: [CapturePoint]
    public var probes: [ProbeAttempt]
    public var observations: [HopObservation]
    public var neighbour: CachedNeighbour?
    /// Capture points that could not capture, by index in `hops`, with the reason (the interface is down).
    public var unavailable: [Int: String]
    /// The kernel's drops of this run's echo frames, when they were recorded.
    public var kernelDrops: [KernelDrop]
    /// Why kernel drops could not be recorded (asked for, but no tracefs), if so.
    public var kernelDropsUnavailable: String?
    /// The MTU of the source interface (the large probe's size unless the options fixed one).
    public var sourceMTU: Int?
    public var marker: RunMarker
    public var durationNs: UInt64

    public init(
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
        durationNs: UInt64
    ) {
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
