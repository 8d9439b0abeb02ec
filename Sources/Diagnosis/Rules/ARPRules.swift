internal import KernelSettings
import NetworkModel
import PacketCodec
internal import Topology
internal import Trace

/// ARP_IGNORED, ARP_FLUX, DUPLICATE_IP and STALE_NEIGHBOUR: who answered ARP, who stayed silent, and what the
/// source's cache holds.
enum ARPRules {
    static func trace(_ facts: TraceFacts) -> [Finding] {
        var findings: [Finding] = []
        if let finding = ignored(facts) { findings.append(finding) }
        findings += multipleAnswers(facts)
        if let finding = staleNeighbour(facts) { findings.append(finding) }
        return findings
    }

    /// The target saw the ARP request, holds the address, and its ARP settings forbid the answer.
    private static func ignored(_ facts: TraceFacts) -> Finding? {
        guard let arp = facts.report.probe(.arp), arp.result == .lost, facts.targetSawRequest(.arp),
            let ip = facts.report.to.ip, let snapshot = facts.targetNode,
            let owner = snapshot.addresses.first(where: { $0.address == ip }),
            let settings = facts.context.sysctls(facts.target.node, facts.target.interface)
        else { return nil }
        let ignore = settings.arp.ignore
        let onReceiving = owner.interface.name == facts.target.interface
        let senderInSubnet = facts.report.from.ip.map { owner.network.contains($0) } ?? true
        var reason: String?
        switch ignore.effective {
        case 8: reason = "arp_ignore=8 answers no ARP request at all"
        case 1 where !onReceiving, 2 where !onReceiving:
            reason =
                "arp_ignore=\(ignore.effective) answers only for addresses on the receiving interface, "
                + "and \(ip) is on \(owner.interface.name)"
        case 2 where !senderInSubnet:
            reason = "arp_ignore=2 answers only senders in \(owner.network)"
        case 3:
            reason = "arp_ignore=3 answers only for addresses of scope host or link"
        default: break
        }
        var setting = ignore
        if reason == nil, settings.arp.filter.effective != 0, let sender = facts.report.from.ip,
            let back = RouteLookup.best(in: snapshot, to: sender), back.interface?.name != facts.target.interface
        {
            reason =
                "arp_filter=1 answers only when the route back to \(sender) leaves by the receiving interface, "
                + "and it leaves by \(back.interface?.name ?? "none")"
            setting = settings.arp.filter
        }
        guard let reason else { return nil }
        let node = snapshot.node
        let sysctl = "net.ipv4.conf"
        let fix =
            setting.isDecidedByAll
            ? "sysctl -w \(sysctl).all.\(setting.name)=0 \(sysctl).\(facts.target.interface).\(setting.name)=0"
            : "sysctl -w \(sysctl).\(facts.target.interface).\(setting.name)=0"
        return Finding(
            .arpIgnored,
            at: facts.target,
            summary: "\(facts.target) received the ARP request for \(ip) and stayed silent: \(reason)",
            evidence: [
                "ARP request for \(ip) captured on \(facts.target), no reply",
                "\(ip)/\(owner.prefixLength) on \(facts.target.node):\(owner.interface.name)",
                "\(setting.name): all=\(setting.all) \(facts.target.interface)=\(setting.interface) "
                    + "effective=\(setting.effective)",
            ],
            fix: NodeCommand.inside(node, fix)
        )
    }

    /// More than one MAC answered: one host's several interfaces (flux) or several hosts (duplicate address).
    private static func multipleAnswers(_ facts: TraceFacts) -> [Finding] {
        let answers = facts.arpAnswers
        guard answers.count > 1, let ip = facts.report.to.ip else { return [] }
        let owners = answers.map { mac in (mac, facts.context.owners(of: mac).first) }
        let evidence = owners.map { mac, owner in
            "ARP reply for \(ip) from \(mac) (\(owner.map { "\($0)" } ?? "unknown"))"
        }
        let byNode = Dictionary(grouping: owners.compactMap(\.1), by: \.node)
        var findings: [Finding] = []
        for (node, links) in byNode.sorted(by: { $0.key < $1.key }) where links.count > 1 {
            let snapshot = facts.context.snapshot(node)
            let names = links.map(\.name)
            findings.append(
                Finding(
                    .arpFlux,
                    severity: .error,
                    at: HopName(node: node, interface: names[0]),
                    summary: "\(node) answers ARP for \(ip) from \(names.count) interfaces "
                        + "(\(names.joined(separator: ", ")))",
                    evidence: evidence,
                    fix: NodeCommand.inside(
                        snapshot?.node,
                        "sysctl -w net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2"
                    )
                )
            )
        }
        let distinctOwners = Set(owners.map { $0.1?.node ?? "\($0.0)" })
        if distinctOwners.count > 1 {
            findings.append(
                Finding(
                    .duplicateIP,
                    at: facts.target,
                    summary: "\(ip) is answered by \(distinctOwners.count) different machines or containers; "
                        + "the fix keeps it on \(facts.target.node) only",
                    evidence: evidence,
                    fix: owners.compactMap { $0.1 }.filter { $0.node != facts.target.node }.map { owner in
                        let snapshot = facts.context.snapshot(owner.node)
                        let prefix =
                            snapshot?.addresses.first { $0.address == ip && $0.interface.name == owner.name }?
                            .prefixLength ?? 32
                        return NodeCommand.tool("ip", snapshot?.node, "addr del \(ip)/\(prefix) dev \(owner.name)")
                    }.joined(separator: " && ")
                )
            )
        }
        return findings
    }

    /// What the stack probe shows of a stale entry: the kernel's own echo request left for the cached MAC.
    private static func stackEvidence(_ facts: TraceFacts, cached: MACAddress) -> [String] {
        guard let stack = facts.report.probe(.stack), let sentTo = stack.sentTo else { return [] }
        let answer = stack.result == .answered ? "answered" : "unanswered"
        return ["the source's own echo request left \(facts.source) for \(sentTo) (\(answer))"]
            .filter { _ in sentTo == cached || stack.result == .lost }
    }

    /// The source's neighbour entry for the target points at a MAC that does not answer for it.
    private static func staleNeighbour(_ facts: TraceFacts) -> Finding? {
        guard let ip = facts.report.to.ip, let snapshot = facts.sourceNode,
            let entry = snapshot.neighbours.first(where: {
                $0.address == ip && $0.interface.name == facts.source.interface
            }),
            let cached = entry.mac, entry.state != .failed, entry.state != .incomplete,
            let actual = facts.arpAnswers.first ?? facts.targetMAC, cached != actual
        else { return nil }
        let fix =
            entry.state == .permanent
            ? "neigh replace \(ip) lladdr \(actual) dev \(entry.interface.name) nud permanent"
            : "neigh del \(ip) dev \(entry.interface.name)"
        return Finding(
            .staleNeighbour,
            at: facts.source,
            summary: "\(facts.source.node) sends \(ip) to \(cached), but the target's MAC is \(actual)",
            evidence: [
                "neighbour entry \(ip) lladdr \(cached) \(entry.state.rawValue) on \(facts.source)",
                facts.arpAnswers.isEmpty ? "\(facts.target) has \(actual)" : "ARP reply for \(ip) from \(actual)",
            ] + stackEvidence(facts, cached: cached),
            fix: NodeCommand.tool("ip", snapshot.node, fix)
        )
    }
}
