package import LinuxNet
package import NetworkModel

/// What a capture point is on the path, which decides what it is expected to see.
package enum HopRole: String, Sendable, Hashable, Codable, CaseIterable {
    /// The interface of a probe's source or target that is not a container (an outside host, the host itself).
    case endpoint
    /// The host's link to the outside (em1, em1.211): a bridge port facing the switch.
    case uplink
    /// A bridge device itself. Without promiscuous mode it sees only frames delivered to or sent by the host
    /// stack and flooded broadcasts, never unicast forwarded between two ports.
    case bridge
    /// A port of a bridge (a switch port, a veth end enslaved to a bridge).
    case bridgePort = "bridge-port"
    /// The host end of a container's veth pair.
    case veth
    /// The lower device of a container's macvlan child.
    case macvlanParent = "macvlan-parent"
    /// The interface inside a container.
    case container

    /// Whether a unicast frame forwarded across this point is captured there.
    package var seesForwardedUnicast: Bool { self != .bridge }
}

/// One place to capture: an interface inside a namespace, named for output as `node:interface`.
package struct CapturePoint: Sendable, Hashable {
    /// How output names the namespace: `host`, a container name, or a netns name.
    package var node: String
    package var namespace: NetworkNamespace
    package var interface: String
    package var role: HopRole
    /// A side point: another port of a bridge the path crosses, off the path, where a frame should not appear
    /// unless it is flooded or misdelivered.
    package var isSide: Bool

    package init(node: String, namespace: NetworkNamespace, interface: String, role: HopRole, isSide: Bool = false) {
        self.node = node
        self.namespace = namespace
        self.interface = interface
        self.role = role
        self.isSide = isSide
    }

    /// `node:interface`, the name a hop has in text output and pcapng interface blocks.
    package var label: String { "\(node):\(interface)" }
}

/// Tunables of one trace.
package struct TraceOptions: Sendable, Hashable {
    /// How long to wait for the answer to a probe before calling it lost.
    package var lossTimeoutNs: UInt64 = 300_000_000
    /// How long to wait for the ARP answer before sending the echo requests to the target's known MAC (when
    /// one is known); the ARP answer is still awaited for the full timeout.
    package var arpGraceNs: UInt64 = 20_000_000
    /// At most how long captures keep running after the last expected frame, until each has delivered every
    /// frame its kernel socket counted; a capture that lost frames for lack of buffer space stops here.
    package var drainNs: UInt64 = 25_000_000
    /// The TCP and UDP ports to probe besides ICMP (`--tcp`, `--udp`): a crafted pair and a stack pair each.
    package var transports: [TransportPort] = []
    /// The IPv4 total length of the small echo request: an odd size (a 125-byte frame) that ordinary
    /// traffic rarely has, so the kernel drop recorder can tell the probe apart by its length.
    package var smallProbeSize: Int = 111
    /// The IPv4 total length of the large echo request; nil means the sender interface's MTU.
    package var largeProbeSize: Int?
    /// Whether to record the kernel's own account of dropped echo frames (tracefs `skb:kfree_skb`, see
    /// KernelDrops) and attach it to the drop. Costs the recorder's setup and teardown (tens of ms).
    package var recordKernelDrops = false
    /// Marks this run's frames; random unless a test fixes it.
    package var runMarker: RunMarker = .random()

    package init() {}
}

/// Everything a trace needs: both ends, the capture points in path order, and the options.
package struct TracePlan: Sendable {
    package var source: ResolvedEndpoint
    package var target: ResolvedEndpoint
    /// The capture points: the path from source to target in order, followed or interleaved by side points.
    /// The source's own interface is added first when the list does not start with it.
    package var hops: [CapturePoint]
    package var options: TraceOptions

    package init(source: ResolvedEndpoint, target: ResolvedEndpoint, hops: [CapturePoint], options: TraceOptions) {
        self.source = source
        self.target = target
        self.options = options
        let sourcePoint = CapturePoint(
            node: source.node,
            namespace: source.namespace,
            interface: source.interface,
            role: .endpoint
        )
        if let first = hops.first, first.namespace == source.namespace, first.interface == source.interface {
            self.hops = hops
        } else {
            self.hops = [sourcePoint] + hops
        }
    }

    /// The hops on the path (not side points), source first.
    package var pathHops: [CapturePoint] { hops.filter { !$0.isSide } }
}
