import NetworkModel
import PacketCodec
internal import Topology
internal import Trace

/// MACVLAN_PARENT_ISOLATION, MACVLAN_PRIVATE_MODE and MACVLAN_VEPA_NO_HAIRPIN: what macvlan's modes forbid.
enum MacvlanRules {
    static func trace(_ facts: TraceFacts) -> [Finding] {
        guard facts.report.verdict != .reachable, let target = facts.targetLink, target.kind == .macvlan,
            let parent = target.parent
        else { return [] }
        if let finding = parentIsolation(facts, target: target, parent: parent) { return [finding] }
        guard let source = facts.sourceLink, source.kind == .macvlan, source.parent == parent else { return [] }
        let modes = [(facts.source, source), (facts.target, target)]
        for mode in [MacvlanMode.private, .vepa] {
            guard let (name, link) = modes.first(where: { $0.1.macvlan?.mode == mode }) else { continue }
            let node = facts.context.snapshot(name.node)?.node
            return [
                Finding(
                    mode == .private ? .macvlanPrivateMode : .macvlanVepaNoHairpin,
                    at: name,
                    summary: mode == .private
                        ? "\(name) is a macvlan child in private mode: it cannot talk to its siblings on \(parent)"
                        : "\(name) is a macvlan child in vepa mode: traffic to its siblings on \(parent) goes out "
                            + "and the next switch does not send it back",
                    evidence: [
                        "\(facts.source) macvlan mode \(source.macvlan?.mode.rawValue ?? "?") on \(parent)",
                        "\(facts.target) macvlan mode \(target.macvlan?.mode.rawValue ?? "?") on \(parent)",
                        "verdict \(facts.report.verdict.rawValue)",
                        "to keep it across restarts: lxc.net.0.macvlan.mode = bridge in the LXC config"
                            + (mode == .vepa ? "; alternatively turn on hairpin on the switch port" : ""),
                    ],
                    fix: NodeCommand.tool("ip", node, "link set dev \(link.name) type macvlan mode bridge")
                )
            ]
        }
        return []
    }

    /// The source talks to a macvlan child through the child's own parent (or from the parent's namespace).
    private static func parentIsolation(_ facts: TraceFacts, target: Link, parent: LinkReference) -> Finding? {
        guard parent.node == facts.source.node else { return nil }
        let route = facts.report.to.ip.flatMap { ip in facts.sourceNode.flatMap { RouteLookup.best(in: $0, to: ip) } }
        let leavesByParent = facts.source.interface == parent.name || route?.interface?.name == parent.name
        guard leavesByParent else { return nil }
        return Finding(
            .macvlanParentIsolation,
            at: HopName(node: parent.node, interface: parent.name),
            summary: "\(facts.source.node) reaches \(facts.target) through \(parent), the macvlan child's own "
                + "parent; a parent never delivers to its children",
            evidence: [
                "\(facts.target) is a macvlan child of \(parent) (mode \(target.macvlan?.mode.rawValue ?? "?"))",
                "\(facts.source.node) sends to \(facts.report.to.ip.map { "\($0)" } ?? "the target") by "
                    + "\(route.map(RouteLookup.describe) ?? facts.source.interface)",
            ],
            fix: "Reach the container from another interface (em2 through the outside network), or give the host "
                + "its own child and move the address there: "
                + NodeCommand.tool(
                    "ip",
                    facts.sourceNode?.node,
                    "link add mv-host link \(parent.name) type macvlan mode bridge"
                )
        )
    }

    /// Parents holding an address in their children's subnet, and children in private or vepa mode with siblings.
    static func doctor(_ context: DiagnosisContext) -> [Finding] {
        var findings: [Finding] = []
        var children: [LinkReference: [(String, Link)]] = [:]
        for snapshot in context.topology.namespaces {
            for link in snapshot.links where link.kind == .macvlan {
                if let parent = link.parent { children[parent, default: []].append((snapshot.node.name, link)) }
            }
        }
        for (parent, kids) in children.sorted(by: { $0.key.description < $1.key.description }) {
            guard let parentSnapshot = context.snapshot(parent.node) else { continue }
            let parentAddresses = parentSnapshot.addresses(onIndex: parent.index)
            for (node, child) in kids {
                let childAddresses = context.snapshot(node)?.addresses(onIndex: child.index) ?? []
                if let shared = parentAddresses.first(where: { held in
                    childAddresses.contains { held.network.contains($0.address) }
                }) {
                    findings.append(
                        Finding(
                            .macvlanParentIsolation,
                            severity: .warning,
                            at: HopName(node: parent.node, interface: parent.name),
                            summary: "\(parent) holds \(shared.address)/\(shared.prefixLength), in the subnet of its "
                                + "macvlan child \(node):\(child.name): the host's traffic to that child leaves by "
                                + "the parent and never arrives",
                            evidence: [
                                "\(parent) has \(shared.address)/\(shared.prefixLength)",
                                "\(node):\(child.name) (macvlan on \(parent)) has "
                                    + childAddresses.map { "\($0.address)/\($0.prefixLength)" }.joined(separator: ", "),
                            ],
                            fix: "Move the host's address off \(parent.name) to its own macvlan child "
                                + "("
                                + NodeCommand.tool(
                                    "ip",
                                    parentSnapshot.node,
                                    "link add mv-host link \(parent.name) type macvlan mode bridge"
                                ) + "), or reach the containers through another interface"
                        )
                    )
                }
                guard kids.count > 1, let mode = child.macvlan?.mode, mode == .private || mode == .vepa else {
                    continue
                }
                findings.append(
                    Finding(
                        mode == .private ? .macvlanPrivateMode : .macvlanVepaNoHairpin,
                        severity: .warning,
                        at: HopName(node: node, interface: child.name),
                        summary: "\(node):\(child.name) is in \(mode.rawValue) mode beside \(kids.count - 1) other "
                            + "macvlan children of \(parent): "
                            + (mode == .private
                                ? "it cannot reach them" : "it reaches them only if the switch hairpins"),
                        evidence: kids.map {
                            "\($0.0):\($0.1.name) macvlan mode \($0.1.macvlan?.mode.rawValue ?? "?")"
                        } + ["to keep it across restarts: lxc.net.0.macvlan.mode = bridge in the LXC config"],
                        fix: NodeCommand.tool(
                            "ip",
                            context.snapshot(node)?.node,
                            "link set dev \(child.name) type macvlan mode bridge"
                        )
                    )
                )
            }
        }
        return findings
    }
}
