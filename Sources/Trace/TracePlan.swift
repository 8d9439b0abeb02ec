import LinuxNet
package import NetworkModel

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
    /// Whether the captures close on a thread of their own, which the process's exit waits for, instead of before
    /// the run returns. Closing a packet socket waits for an RCU grace period (some 25 ms): a one-shot command
    /// (`trace`) overlaps it with its output; a process that runs many traces keeps the default, so that its
    /// descriptors are back when each run returns.
    package var closeCapturesAtExit = false
    /// `--count N`: how many echo requests the burst sends through the source's own stack after the other
    /// probes (0: no burst). See `StackBurst`.
    package var burstCount = 0
    /// The gap between two of the burst's requests.
    package var burstIntervalNs: UInt64 = 5_000_000
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
