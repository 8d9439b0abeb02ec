internal import KernelSettings
import NetworkModel
import PacketCodec
internal import Topology
internal import Trace

/// NETFILTER_DROP (output or input), NO_ROUTE and RP_FILTER_DROP at the source: the crafted probes passed and the source's own
/// echo request (the stack probe) did not, so the fault is in what the crafted frames bypass.
enum SourceRules {
    static func trace(_ facts: TraceFacts) -> [Finding] {
        guard let stack = facts.sourceStackFailed else { return [] }
        var findings: [Finding] = []
        if let finding = outputDrop(facts, stack) { findings.append(finding) }
        if let finding = wrongRoute(facts, stack) { findings.append(finding) }
        if let finding = reversePath(facts, stack) {
            findings.append(finding)
        } else if let finding = inputDrop(facts, stack) {
            findings.append(finding)
        }
        return findings
    }

    /// The reply to the source's own request reached its interface and not its socket, and a chain on the
    /// source's input path can drop (rp_filter, checked first, is the other cause).
    private static func inputDrop(_ facts: TraceFacts, _ stack: ProbeReport) -> Finding? {
        guard stack.hop(facts.source.description)?.reply.seen == true,
            let ruleset = facts.context.settings[facts.source.node]?.netfilter
        else { return nil }
        let hooks = ruleset.hooks.filter {
            ["ip", "inet"].contains($0.family) && ["prerouting", "input"].contains($0.hook) && $0.canDrop
        }
        guard let hook = hooks.first else { return nil }
        var evidence = [
            "the reply to the source's own echo request reached \(facts.source), not its socket",
            "the crafted probes' replies, captured before the source's netfilter, were seen",
        ]
        evidence += hooks.flatMap(FilterRules.describe)
        evidence += facts.kernelEvidence
        return Finding(
            .netfilterDrop,
            at: facts.source,
            summary: "\(hook.family) \(hook.table) \(hook.chain) in \(facts.source.node) drops the replies to its own "
                + "traffic from " + (facts.report.to.ip.map { "\($0)" } ?? "the target"),
            evidence: evidence,
            fix: FilterRules.deleteCommand(hook, facts.sourceNode?.node)
        )
    }

    /// A chain on the source's output path that can drop: the kernel refused the send (EPERM) or the frame
    /// never reached the source's interface.
    private static func outputDrop(_ facts: TraceFacts, _ stack: ProbeReport) -> Finding? {
        let leftSource = stack.hop(facts.source.description)?.request.seen ?? false
        guard !leftSource, let ruleset = facts.context.settings[facts.source.node]?.netfilter else { return nil }
        let hooks = ruleset.hooks.filter {
            ["ip", "inet"].contains($0.family) && ["output", "postrouting"].contains($0.hook) && $0.canDrop
        }
        guard let hook = hooks.first else { return nil }
        var evidence = [
            stack.sendError.map { "the source's kernel refused its echo request: \($0)" }
                ?? "the source's own echo request never reached \(facts.source)",
            "the crafted probes, which bypass the source's netfilter, were answered",
        ]
        evidence += hooks.flatMap(FilterRules.describe)
        return Finding(
            .netfilterDrop,
            at: facts.source,
            summary: "\(hook.family) \(hook.table) \(hook.chain) in \(facts.source.node) drops its own traffic to "
                + (facts.report.to.ip.map { "\($0)" } ?? "the target") + " on the way out",
            evidence: evidence,
            fix: FilterRules.deleteCommand(hook, facts.sourceNode?.node)
        )
    }

    /// The source's route to the target leaves by another interface than the one the trace sends from, and
    /// the source's own echo request never appeared on that one.
    private static func wrongRoute(_ facts: TraceFacts, _ stack: ProbeReport) -> Finding? {
        guard stack.hop(facts.source.description)?.request.seen != true, let ip = facts.report.to.ip,
            let snapshot = facts.sourceNode,
            let route = RouteLookup.best(in: snapshot, to: ip), RouteLookup.delivers(route),
            let interface = route.interface?.name, interface != facts.source.interface
        else { return nil }
        let subnet = snapshot.addresses.first { $0.interface.name == facts.source.interface }.map(\.network)
        let fix =
            subnet.map { $0.contains(ip) } == true
            ? "route replace \(ip)/32 dev \(facts.source.interface)"
            : "route replace \(ip)/32 dev \(facts.source.interface) (or via the gateway on that link)"
        return Finding(
            .noRoute,
            at: facts.source,
            summary: "\(facts.source.node) routes \(ip) out of \(interface), not \(facts.source.interface): "
                + "its own traffic takes the wrong way",
            evidence: [
                "best match for \(ip) in \(facts.source.node): \(RouteLookup.describe(route))",
                "the crafted probes, sent on \(facts.source) directly, were answered",
                "the source's own echo request never appeared on \(facts.source)",
            ],
            fix: NodeCommand.tool("ip", snapshot.node, fix)
        )
    }

    /// The reply to the source's own request reached its interface and not its socket, while rp_filter is on
    /// there and the route back to the target does not leave by that interface.
    private static func reversePath(_ facts: TraceFacts, _ stack: ProbeReport) -> Finding? {
        guard stack.hop(facts.source.description)?.reply.seen == true, let ip = facts.report.to.ip,
            let snapshot = facts.sourceNode,
            let setting = facts.context.sysctls(facts.source.node, facts.source.interface)?.rpFilter,
            setting.effective != 0
        else { return nil }
        let back = RouteLookup.best(in: snapshot, to: ip)
        let backInterface = back.flatMap { RouteLookup.delivers($0) ? $0.interface?.name : nil }
        let fails = setting.effective == 1 ? backInterface != facts.source.interface : backInterface == nil
        guard fails else { return nil }
        let name = "net.ipv4.conf"
        let fix =
            setting.isDecidedByAll
            ? "sysctl -w \(name).all.rp_filter=2 \(name).\(facts.source.interface).rp_filter=2"
            : "sysctl -w \(name).\(facts.source.interface).rp_filter=2"
        return Finding(
            .rpFilterDrop,
            at: facts.source,
            summary: "reverse-path filtering on \(facts.source) drops the replies from \(ip): the route back "
                + (backInterface.map { "leaves by \($0)" } ?? "does not exist"),
            evidence: [
                "rp_filter: all=\(setting.all) \(facts.source.interface)=\(setting.interface) "
                    + "effective=\(setting.effective)",
                back.map { "route to \(ip) in \(facts.source.node)'s main table: \(RouteLookup.describe($0))" }
                    ?? "no route to \(ip) in \(facts.source.node)'s main table",
                "the reply to the source's own echo request reached \(facts.source), not its socket",
                "the fix sets loose mode; alternatively route \(ip) through \(facts.source.interface)",
            ],
            fix: NodeCommand.inside(snapshot.node, fix)
        )
    }
}
