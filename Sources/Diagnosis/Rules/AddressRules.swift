import NetworkModel
import PacketCodec
internal import Topology
internal import Trace

/// ADDRESS_NOT_CONFIGURED and NO_ROUTE: the target lacks the address, or an end lacks the route.
enum AddressRules {
    static func trace(_ facts: TraceFacts) -> [Finding] {
        var findings: [Finding] = []
        if let finding = missingAddress(facts) {
            // Without its address the target has no connected route either; the address is the cause.
            return [finding]
        }
        findings += missingRoutes(facts)
        return findings
    }

    /// The target namespace holds no such address, and the ARP probe was not answered by the target.
    private static func missingAddress(_ facts: TraceFacts) -> Finding? {
        guard let ip = facts.report.to.ip, let snapshot = facts.targetNode else { return nil }
        guard !snapshot.addresses.contains(where: { $0.address == ip }) else { return nil }
        let answered = facts.targetMAC.map { facts.arpAnswers.contains($0) } ?? !facts.arpAnswers.isEmpty
        guard !answered else { return nil }
        let held = snapshot.addresses.filter { $0.interface.name == facts.target.interface }
            .map { "\($0.address)/\($0.prefixLength)" }
        let prefix =
            facts.sourceNode?.addresses.first { $0.network.contains(ip) }?.prefixLength ?? 32
        var evidence = [
            "\(facts.target) holds \(held.isEmpty ? "no IPv4 address" : held.joined(separator: ", "))",
            "no interface of \(facts.target.node) holds \(ip)",
        ]
        if facts.targetSawRequest(.arp) { evidence.append("the ARP request for \(ip) reached \(facts.target)") }
        return Finding(
            .addressNotConfigured,
            at: facts.target,
            summary: "\(facts.target.node) does not have \(ip), so nothing answers for it",
            evidence: evidence,
            fix: NodeCommand.tool("ip", snapshot.node, "addr add \(ip)/\(prefix) dev \(facts.target.interface)")
        )
    }

    /// No route from the source to the target, or from the target back to the source (its replies need one).
    private static func missingRoutes(_ facts: TraceFacts) -> [Finding] {
        var findings: [Finding] = []
        if let ip = facts.report.to.ip, let snapshot = facts.sourceNode,
            let finding = noRoute(in: snapshot, from: facts.source, to: ip, what: "the target")
        {
            findings.append(finding)
        }
        // A link down loses its connected routes; LINK_DOWN names that cause.
        let targetUp = facts.targetLink.map { $0.isUp && $0.carrier != false } ?? true
        if let ip = facts.report.from.ip, let snapshot = facts.targetNode, targetUp,
            facts.targetNode?.node.name != facts.sourceNode?.node.name,
            var finding = noRoute(in: snapshot, from: facts.target, to: ip, what: "the source, so its replies")
        {
            let swallowed = facts.swallowedAtTarget
            if !swallowed.isEmpty {
                finding.evidence.append(
                    "\(swallowed.map(\.rawValue).joined(separator: ", ")) request reached \(facts.target), "
                        + "no reply left it"
                )
            }
            findings.append(finding)
        }
        return findings
    }

    private static func noRoute(
        in snapshot: NamespaceSnapshot,
        from end: HopName,
        to ip: IPv4Address,
        what: String
    )
        -> Finding?
    {
        let route = RouteLookup.best(in: snapshot, to: ip)
        if let route, RouteLookup.delivers(route) { return nil }
        // The interface's own subnet when the target is in it (the connected route is missing), else a host route.
        let subnet = snapshot.addresses.first { $0.interface.name == end.interface }.map(\.network)
        let fix: String
        var alternative: [String] = []
        if let subnet, subnet.contains(ip) {
            fix = NodeCommand.tool("ip", snapshot.node, "route add \(subnet) dev \(end.interface)")
        } else {
            fix = NodeCommand.tool("ip", snapshot.node, "route add \(ip)/32 dev \(end.interface)")
            alternative = ["alternatively: a default route via a gateway"]
        }
        return Finding(
            .noRoute,
            at: end,
            summary: "\(end.node) has no route to \(ip) (\(what) cannot be sent)",
            evidence: [
                route.map { "best match for \(ip) in \(end.node): \(RouteLookup.describe($0))" }
                    ?? "no route in \(end.node)'s main table covers \(ip)"
            ] + snapshot.routes.map { "route: \(RouteLookup.describe($0))" } + alternative,
            fix: fix
        )
    }
}
