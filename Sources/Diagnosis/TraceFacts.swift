internal import KernelDrops
internal import KernelSettings
import NetworkModel
import PacketCodec
internal import Topology
internal import Trace

/// A trace report read together with the context: the questions every rule asks of both.
struct TraceFacts {
    var report: TraceReport
    var context: DiagnosisContext

    var source: HopName { HopName(node: report.from.node, interface: report.from.interface) }
    var target: HopName { HopName(node: report.to.node, interface: report.to.interface) }
    var sourceNode: NamespaceSnapshot? { context.snapshot(report.from.node) }
    var targetNode: NamespaceSnapshot? { context.snapshot(report.to.node) }
    var sourceLink: Link? { context.link(source) }
    var targetLink: Link? { context.link(target) }

    /// The hops on the path (not side points), source first, as the first probe saw them.
    var pathHops: [HopSighting] { (report.probes.first?.hops ?? []).filter { !$0.isSide } }

    /// Whether the target's own interface captured the request of `kind`.
    func targetSawRequest(_ kind: ProbeKind) -> Bool {
        report.probe(kind)?.hop(target.description)?.request.seen ?? false
    }

    /// Whether the target's own interface captured a reply of `kind` leaving.
    func targetSentReply(_ kind: ProbeKind) -> Bool {
        report.probe(kind)?.hop(target.description)?.reply.seen ?? false
    }

    /// The probes that reached the target's interface and were never answered there: the target's stack
    /// swallowed them.
    /// The stack probe counts only when the crafted echo was answered there (else the target answers echoes,
    /// and the source's own frame reached it unaddressable, e.g. sent to a stale MAC).
    var swallowedAtTarget: [ProbeKind] {
        let targetAnswersEchoes = report.probe(.icmp)?.result == .answered
        return report.probes.filter { $0.result == .lost && targetSawRequest($0.kind) && !targetSentReply($0.kind) }
            .map(\.kind).filter { $0.isCrafted || !targetAnswersEchoes }
    }

    /// The stack probe, when it alone failed: every crafted probe that was sent was answered and the source's
    /// own echo request was not. The fault is then in the source's stack, which the crafted frames bypass.
    var sourceStackFailed: ProbeReport? {
        guard let stack = report.probe(.stack), stack.result == .lost,
            report.probes.filter({ $0.kind.isCrafted && $0.sent }).allSatisfy({ $0.result == .answered }),
            report.probe(.icmp)?.sent == true
        else { return nil }
        return stack
    }

    /// The MAC the target really has: the one the trace resolved, else the snapshot's.
    var targetMAC: MACAddress? { report.to.mac ?? targetLink?.mac }

    /// The MACs that answered the ARP probe.
    var arpAnswers: [MACAddress] { report.probe(.arp)?.answeredBy ?? [] }

    /// Every kernel drop of this run's frames: the report's own, then the recorder's.
    /// Drops of copies (`KernelDrop.discardsCopy`) are left out: they are not the probe dying.
    var kernelDrops: [KernelDrop] {
        var drops = context.kernelDrops.filter { !$0.discardsCopy }
        if let kernel = report.drop?.kernel, !drops.contains(kernel) { drops.insert(kernel, at: 0) }
        return drops
    }

    /// The kernel drops as evidence lines.
    var kernelEvidence: [String] {
        kernelDrops.map { "kernel dropped it: \($0.reason) at \($0.location) on \($0.device)" }
    }

    /// The hop where the lost frame should have been and was not, and what that point is.
    var firstMissing: (hop: HopName, sighting: HopSighting?)? {
        guard let drop = report.drop, let missing = drop.firstMissing else { return nil }
        return (missing, report.probe(drop.probe)?.hop(missing.description))
    }
}

/// Route lookups on a snapshot's main table, the way the kernel picks: longest prefix, then lowest metric.
enum RouteLookup {
    /// The route `snapshot` would use for `destination`, or nil when none matches.
    static func best(in snapshot: NamespaceSnapshot, to destination: IPv4Address) -> Route? {
        let local = snapshot.addresses.contains { $0.address == destination }
        if local { return Route(destination: destination, prefixLength: 32, type: "local", scope: "host") }
        return snapshot.routes.filter { $0.network.contains(destination) && $0.type != "broadcast" }
            .sorted {
                $0.prefixLength != $1.prefixLength
                    ? $0.prefixLength > $1.prefixLength : ($0.metric ?? 0) < ($1.metric ?? 0)
            }
            .first
    }

    /// Whether the route delivers (unicast or local) rather than refusing (unreachable, blackhole, prohibit).
    static func delivers(_ route: Route) -> Bool { route.type == "unicast" || route.type == "local" }

    /// `192.0.2.0/24 dev eth0`, as `ip route` prints it.
    static func describe(_ route: Route) -> String {
        var text = route.prefixLength == 0 ? "default" : "\(route.network)"
        if route.type != "unicast" { text = "\(route.type) \(text)" }
        if let gateway = route.gateway { text += " via \(gateway)" }
        if let interface = route.interface { text += " dev \(interface.name)" }
        return text
    }
}
