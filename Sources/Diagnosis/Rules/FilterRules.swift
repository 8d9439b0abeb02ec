internal import KernelDrops
internal import KernelSettings
import NetworkModel
import PacketCodec
internal import Topology
internal import Trace

/// BR_NETFILTER_DROP, NETFILTER_DROP and RP_FILTER_DROP: the kernel's filters on the path.
enum FilterRules {
    static func trace(_ facts: TraceFacts) -> [Finding] {
        var findings: [Finding] = []
        if let finding = bridgeNetfilter(facts) {
            findings.append(finding)
        } else if let finding = layerTwoFilters(facts) {
            findings.append(finding)
        }
        findings += targetFilters(facts)
        if let finding = reversePath(facts) { findings.append(finding) }
        return findings
    }

    /// The frame was lost between two ports of one bridge, and br_netfilter hands bridged frames to a FORWARD
    /// chain that can drop them.
    private static func bridgeNetfilter(_ facts: TraceFacts) -> Finding? {
        guard let drop = facts.report.drop, let last = drop.lastSeen, let missing = drop.firstMissing,
            last.node == missing.node,
            let crossed = facts.context.link(missing), crossed.master != nil || crossed.kind == .bridge,
            let settings = facts.context.settings[missing.node],
            let bridgeNF = settings.sysctls?.bridgeNetfilter
        else { return nil }
        let isARP = drop.probe == .arp
        let switchName = isARP ? "bridge-nf-call-arptables" : "bridge-nf-call-iptables"
        guard isARP ? bridgeNF.callArptables : bridgeNF.callIptables else { return nil }
        let families = isARP ? ["arp"] : ["ip", "inet"]
        let hooks = (settings.netfilter?.hooks ?? []).filter {
            families.contains($0.family) && $0.hook == "forward" && $0.canDrop
        }
        guard !hooks.isEmpty else { return nil }
        let node = facts.context.snapshot(missing.node)?.node
        let bridge = crossed.kind == .bridge ? crossed.name : crossed.master?.name ?? "br0"
        var evidence = [
            "\(drop.probe.rawValue) \(drop.direction.rawValue) last seen at \(last), never at \(missing)",
            "net.bridge.\(switchName) = 1 in \(missing.node)",
        ]
        evidence += hooks.flatMap(describe)
        evidence += facts.kernelEvidence
        let hook = hooks[0]
        return Finding(
            .brNetfilterDrop,
            at: missing,
            summary: "br_netfilter passes frames bridged by \(missing.node):\(bridge) through "
                + "\(hook.family) \(hook.table) \(hook.chain), which drops the \(drop.probe.rawValue) "
                + drop.direction.rawValue,
            evidence: evidence + [
                "alternatively, let bridged traffic pass first: "
                    + NodeCommand.inside(
                        node,
                        "nft insert rule \(hook.family) \(hook.table) \(hook.chain) "
                            + "iifname \(bridge) oifname \(bridge) accept"
                    )
            ],
            fix: NodeCommand.inside(node, "sysctl -w net.bridge.\(switchName)=0")
        )
    }

    /// The frame was lost inside one namespace on its way across a bridge, where a bridge-family chain or a
    /// netdev ingress/egress chain can drop (no br_netfilter involved: these see frames directly).
    private static func layerTwoFilters(_ facts: TraceFacts) -> Finding? {
        guard let drop = facts.report.drop, let last = drop.lastSeen, let missing = drop.firstMissing,
            last.node == missing.node, last != missing,
            let ruleset = facts.context.settings[missing.node]?.netfilter
        else { return nil }
        let hooks = ruleset.hooks.filter { ($0.family == "bridge" || $0.family == "netdev") && $0.canDrop }
        guard let hook = hooks.first else { return nil }
        let node = facts.context.snapshot(missing.node)?.node
        var evidence = ["\(drop.probe.rawValue) \(drop.direction.rawValue) last seen at \(last), never at \(missing)"]
        evidence += hooks.flatMap(describe)
        evidence += facts.kernelEvidence
        return Finding(
            .netfilterDrop,
            at: missing,
            summary: "\(hook.family) \(hook.table) \(hook.chain) in \(missing.node) drops the "
                + "\(drop.probe.rawValue) \(drop.direction.rawValue) between \(last.interface) and \(missing.interface)",
            evidence: evidence,
            fix: deleteCommand(hook, node)
        )
    }

    /// The command that removes `hook`'s first drop rule, or opens its policy.
    static func deleteCommand(_ hook: NetfilterHook, _ node: NetworkNode?) -> String {
        if let rule = hook.dropRules.first {
            return NodeCommand.inside(
                node,
                "nft delete rule \(hook.family) \(hook.table) \(rule.chain) handle \(rule.handle)"
            )
        }
        return NodeCommand.inside(node, "nft 'chain \(hook.family) \(hook.table) \(hook.chain) { policy accept; }'")
    }

    /// The request reached the target's interface and no reply left: a chain on the target's input or output
    /// path that can drop is the cause.
    private static func targetFilters(_ facts: TraceFacts) -> [Finding] {
        let swallowed = facts.swallowedAtTarget
        guard !swallowed.isEmpty, let ruleset = facts.context.settings[facts.target.node]?.netfilter else {
            return []
        }
        var findings: [Finding] = []
        for probe in swallowed {
            let families = probe == .arp ? ["arp"] : ["ip", "inet"]
            let hooks = ruleset.hooks.filter {
                families.contains($0.family) && ["prerouting", "input", "output"].contains($0.hook) && $0.canDrop
            }
            guard let hook = hooks.first else { continue }
            let node = facts.targetNode?.node
            let fix = deleteCommand(hook, node)
            var evidence = ["\(probe.rawValue) request captured on \(facts.target), no reply left it"]
            evidence += hooks.flatMap(describe)
            evidence += facts.kernelEvidence
            findings.append(
                Finding(
                    .netfilterDrop,
                    at: facts.target,
                    summary: "\(hook.family) \(hook.table) \(hook.chain) in \(facts.target.node) drops the "
                        + "\(probe.rawValue) \(hook.hook == "output" ? "reply" : "request")",
                    evidence: evidence,
                    fix: fix
                )
            )
        }
        return findings
    }

    /// The target saw a request from an address whose route back leaves by another interface (or does not
    /// exist) while rp_filter is on there.
    private static func reversePath(_ facts: TraceFacts) -> Finding? {
        guard !facts.swallowedAtTarget.isEmpty, let sender = facts.report.from.ip,
            let snapshot = facts.targetNode,
            let setting = facts.context.sysctls(facts.target.node, facts.target.interface)?.rpFilter,
            setting.effective != 0
        else { return nil }
        let back = RouteLookup.best(in: snapshot, to: sender)
        let backInterface = back.flatMap { RouteLookup.delivers($0) ? $0.interface?.name : nil }
        // Strict mode needs the route back through the receiving interface; loose mode needs any route back.
        let fails = setting.effective == 1 ? backInterface != facts.target.interface : backInterface == nil
        guard fails else { return nil }
        let name = "net.ipv4.conf"
        let loose =
            setting.isDecidedByAll
            ? "sysctl -w \(name).all.rp_filter=2 \(name).\(facts.target.interface).rp_filter=2"
            : "sysctl -w \(name).\(facts.target.interface).rp_filter=2"
        // Intent first: the target is attached by the interface the request came in on, so its replies belong
        // there too. A more specific route that sends them out another interface is the deviation to undo;
        // loose mode would only let the request in while the reply still leaves the wrong way.
        let diverting = back.flatMap { route -> Route? in
            guard backInterface != nil, backInterface != facts.target.interface, route.prefixLength > 0,
                let connected = snapshot.addresses.first(where: { $0.interface.name == facts.target.interface }),
                connected.network.contains(sender), route.prefixLength > connected.prefixLength
            else { return nil }
            return route
        }
        let fix =
            diverting.map { route in
                "ip route del \(route.network)" + (route.interface.map { " dev \($0.name)" } ?? "")
            } ?? loose
        let alternative =
            diverting == nil
            ? "the fix sets loose mode; alternatively route \(sender) back through \(facts.target.interface)"
            : "alternatively, when the replies should leave by \(backInterface ?? "?"): "
                + NodeCommand.inside(snapshot.node, loose)
        var evidence = [
            "rp_filter: all=\(setting.all) \(facts.target.interface)=\(setting.interface) effective=\(setting.effective)",
            back.map { "route back to \(sender): \(RouteLookup.describe($0))" } ?? "no route back to \(sender)",
            "\(facts.swallowedAtTarget.map(\.rawValue).joined(separator: ", ")) request reached \(facts.target), "
                + "no reply left it",
        ]
        evidence += facts.kernelEvidence
        return Finding(
            .rpFilterDrop,
            at: facts.target,
            summary: "reverse-path filtering on \(facts.target) drops frames from \(sender): the route back "
                + (backInterface.map { "leaves by \($0)" } ?? "does not exist"),
            evidence: evidence + [alternative],
            fix: NodeCommand.inside(snapshot.node, fix)
        )
    }

    /// br_netfilter switched on in a namespace with a bridge and a FORWARD chain that can drop that bridge's traffic.
    static func doctor(_ context: DiagnosisContext) -> [Finding] {
        var findings: [Finding] = []
        for snapshot in context.topology.namespaces {
            let bridges = snapshot.links.filter { $0.kind == .bridge && !snapshot.ports(of: $0).isEmpty }
            guard !bridges.isEmpty, let settings = context.settings[snapshot.node.name],
                let bridgeNF = settings.sysctls?.bridgeNetfilter, bridgeNF.callIptables || bridgeNF.callArptables
            else { continue }
            for hook in settings.netfilter?.hooks ?? [] where hook.hook == "forward" && hook.canDrop {
                // A bridge whose own traffic the chain accepts first (Docker's rule, or the remedy below) is safe.
                guard let bridge = bridges.first(where: { !hook.bridgedTrafficAccepted.contains($0.name) }) else {
                    continue
                }
                let switchName: String
                if hook.family == "arp", bridgeNF.callArptables {
                    switchName = "bridge-nf-call-arptables"
                } else if hook.family == "ip" || hook.family == "inet", bridgeNF.callIptables {
                    switchName = "bridge-nf-call-iptables"
                } else {
                    continue
                }
                findings.append(
                    Finding(
                        .brNetfilterDrop,
                        at: HopName(node: snapshot.node.name, interface: bridge.name),
                        summary: "frames bridged by \(snapshot.node.name):\(bridge.name) pass \(hook.family) "
                            + "\(hook.table) \(hook.chain), which can drop them",
                        evidence: ["net.bridge.\(switchName) = 1"] + describe(hook),
                        fix: NodeCommand.inside(snapshot.node, "sysctl -w net.bridge.\(switchName)=0")
                            + " (or: "
                            + NodeCommand.inside(
                                snapshot.node,
                                "nft insert rule \(hook.family) \(hook.table) \(hook.chain) "
                                    + "iifname \(bridge.name) oifname \(bridge.name) accept"
                            ) + ")"
                    )
                )
            }
        }
        return findings
    }

    /// A hook and its drop rules as evidence lines.
    static func describe(_ hook: NetfilterHook) -> [String] {
        ["\(hook.label)"]
            + hook.dropRules.map { rule in
                "\(rule.chain) handle \(rule.handle): \(rule.text)"
                    + (rule.packets.map { " (\($0) packets)" } ?? "")
            }
    }
}
