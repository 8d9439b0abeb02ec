import KernelDrops
import LinuxNet
import NetworkModel
import PacketCodec
import Trace

/// Observations made up for unit tests: a five-point path and one side port, no root needed.
///
///     0 ext:eth0 (endpoint) -> 1 host:em1 (uplink) -> 2 host:br0 (bridge) -> 3 host:vct1 (veth)
///     -> 5 ct1:eth0 (container); 4 host:vct2 is a side port of br0.
struct SyntheticTrace {
    static let sourceMAC = MACAddress([2, 0, 0, 0, 0, 1])
    static let targetMAC = MACAddress([2, 0, 0, 0, 0, 20])
    static let otherMAC = MACAddress([2, 0, 0, 0, 0, 99])
    static let start: UInt64 = 1_700_000_000_000_000_000

    var hops: [CapturePoint] = [
        CapturePoint(node: "ext", namespace: .named("ext"), interface: "eth0", role: .endpoint),
        CapturePoint(node: "host", namespace: .current, interface: "em1", role: .uplink),
        CapturePoint(node: "host", namespace: .current, interface: "br0", role: .bridge),
        CapturePoint(node: "host", namespace: .current, interface: "vct1", role: .veth),
        CapturePoint(node: "host", namespace: .current, interface: "vct2", role: .bridgePort, isSide: true),
        CapturePoint(node: "ct1", namespace: .named("ct1"), interface: "eth0", role: .container),
    ]
    var probes: [ProbeAttempt] = [
        ProbeAttempt(kind: .arp, size: 28, sentAtNs: start),
        ProbeAttempt(kind: .icmp, size: 84, sentAtNs: start + 1_000_000),
        ProbeAttempt(kind: .icmpMTU, size: 1500, sentAtNs: start + 2_000_000),
    ]
    var observations: [HopObservation] = []
    var neighbour: CachedNeighbour?
    var unavailable: [Int: String] = [:]

    /// Probe frames from ext (192.0.2.1) to ct1 (192.0.2.20) marked with `marker`.
    static func probeFrames(_ marker: RunMarker) -> ProbeFrames {
        ProbeFrames(
            marker: marker,
            sourceMAC: sourceMAC,
            sourceIP: IPv4Address(192, 0, 2, 1),
            targetIP: IPv4Address(192, 0, 2, 20)
        )
    }

    /// The path hops a unicast frame crosses, in order (the bridge device does not see it).
    static let unicastPath = [0, 1, 3, 5]
    /// The hops a broadcast ARP request reaches, in order, including the bridge and the side port.
    static let broadcastPath = [0, 1, 2, 4, 3, 5]

    /// Records `probe`'s `direction` at `hops`, 10 µs apart, starting just after the probe was sent.
    mutating func see(_ probe: ProbeKind, _ direction: ProbeDirection, at hops: [Int], from mac: MACAddress? = nil) {
        let sent = probes.first { $0.kind == probe }?.sentAtNs ?? Self.start
        let base = sent + (direction == .request ? 1_000 : 200_000)
        for (step, hop) in hops.enumerated() {
            observations.append(
                HopObservation(
                    hop: hop,
                    probe: probe,
                    direction: direction,
                    timestampNs: base + UInt64(step) * 10_000,
                    answeredBy: direction == .reply ? (mac ?? Self.targetMAC) : nil
                )
            )
        }
    }

    /// Every probe seen everywhere it should be, both ways.
    mutating func seeHealthyPath() {
        see(.arp, .request, at: Self.broadcastPath)
        see(.arp, .reply, at: Self.unicastPath.reversed())
        for probe in [ProbeKind.icmp, .icmpMTU] {
            see(probe, .request, at: Self.unicastPath)
            see(probe, .reply, at: Self.unicastPath.reversed())
        }
    }

    func report() -> TraceReport { TraceCorrelation.report(evidence()) }

    func evidence(kernelDrops: [KernelDrop] = [], kernelDropsUnavailable: String? = nil) -> TraceEvidence {
        TraceEvidence(
            source: ResolvedEndpoint(
                endpoint: "ext",
                node: "ext",
                namespace: .named("ext"),
                interface: "eth0",
                ip: IPv4Address(192, 0, 2, 1),
                mac: Self.sourceMAC
            ),
            target: ResolvedEndpoint(
                endpoint: "ct1",
                node: "ct1",
                namespace: .named("ct1"),
                interface: "eth0",
                ip: IPv4Address(192, 0, 2, 20),
                mac: Self.targetMAC
            ),
            hops: hops,
            probes: probes,
            observations: observations,
            neighbour: neighbour,
            unavailable: unavailable,
            kernelDrops: kernelDrops,
            kernelDropsUnavailable: kernelDropsUnavailable,
            sourceMTU: 1500,
            marker: RunMarker(identifier: 0x1234, nonce: 0xdead_beef),
            durationNs: 47_300_000
        )
    }
}
