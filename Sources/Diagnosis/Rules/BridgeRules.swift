import NetworkModel
import PacketCodec
internal import Topology
internal import Trace

/// BRIDGE_PORT_NOT_FORWARDING, BRIDGE_PORT_FLOOD_DISABLED, FDB_WRONG_PORT and PROMISC_REQUIRED: what the bridges
/// on the path did with the frame.
enum BridgeRules {
    static func trace(_ facts: TraceFacts) -> [Finding] {
        var findings: [Finding] = []
        for hop in facts.pathHops {
            let name = HopName(node: hop.node, interface: hop.interface)
            // A port without carrier is disabled by the bridge: LINK_DOWN names the cause.
            guard let link = facts.context.link(name), let port = link.bridgePort, port.state != .forwarding,
                link.isUp, link.carrier != false
            else { continue }
            findings.append(notForwarding(link, port, at: name, facts.context, severity: .error))
        }
        if let finding = floodDisabled(facts) { findings.append(finding) }
        findings += wrongPort(facts)
        if let finding = promiscuity(facts) { findings.append(finding) }
        return findings
    }

    static func notForwarding(
        _ link: Link,
        _ port: BridgePort,
        at name: HopName,
        _ context: DiagnosisContext,
        severity: Finding.Severity
    ) -> Finding {
        let snapshot = context.snapshot(name.node)
        let bridge = link.master.flatMap { context.topology.link($0) }
        var evidence = ["\(name) port state \(port.state.rawValue)"]
        if let bridge, let settings = bridge.bridge {
            evidence.append("\(name.node):\(bridge.name) STP \(settings.stpState.rawValue)")
        }
        let fix =
            bridge?.bridge?.stpState == .off || bridge?.bridge == nil
            ? NodeCommand.tool("bridge", snapshot?.node, "link set dev \(link.name) state 3")
            : "STP decides this port's state: find the loop or the root-bridge priority "
                + "(\(NodeCommand.tool("bridge", snapshot?.node, "-d link show dev \(link.name)")))"
        return Finding(
            .bridgePortNotForwarding,
            severity: severity,
            at: name,
            summary: "bridge port \(name) is \(port.state.rawValue), not forwarding",
            evidence: evidence,
            fix: fix
        )
    }

    /// A broadcast (ARP) stopped at a port with broadcast flooding off, or a unicast to an unknown MAC at a port
    /// with unicast flooding off.
    private static func floodDisabled(_ facts: TraceFacts) -> Finding? {
        guard let drop = facts.report.drop, drop.direction == .request, let missing = drop.firstMissing,
            let link = facts.context.link(missing), let port = link.bridgePort
        else { return nil }
        let broadcast = drop.probe == .arp
        let flag = broadcast ? port.broadcastFlood : port.unicastFlood
        guard flag == false else { return nil }
        if !broadcast, let mac = facts.targetMAC,
            facts.context.snapshot(missing.node)?.fdb.contains(where: { $0.mac == mac }) == true
        {
            return nil  // The bridge knows the MAC, so it never floods it.
        }
        let name = broadcast ? "bcast_flood" : "flood"
        let snapshot = facts.context.snapshot(missing.node)
        return Finding(
            .bridgePortFloodDisabled,
            at: missing,
            summary: "\(missing) does not flood \(broadcast ? "broadcasts" : "unknown unicast"), "
                + "so the \(drop.probe.rawValue) request never left the bridge there",
            evidence: [
                "\(name) off on \(missing)",
                "\(drop.probe.rawValue) request last seen at \(drop.lastSeen.map { "\($0)" } ?? "nowhere")",
            ],
            fix: NodeCommand.tool("bridge", snapshot?.node, "link set dev \(missing.interface) \(name) on")
        )
    }

    /// The bridge's forwarding table sends the target's (or, for replies, the source's) MAC to a port other
    /// than the next one on the path; a side port capturing the unicast proves it.
    private static func wrongPort(_ facts: TraceFacts) -> [Finding] {
        let hops = facts.pathHops
        var findings: [Finding] = []
        for (position, hop) in hops.enumerated() where hop.role == .bridge {
            guard let snapshot = facts.context.snapshot(hop.node) else { continue }
            let directions: [(MACAddress?, HopSighting?, String)] = [
                (facts.targetMAC, position + 1 < hops.count ? hops[position + 1] : nil, "to the target"),
                (facts.report.from.mac, position > 0 ? hops[position - 1] : nil, "back to the source"),
            ]
            for case (let mac?, let next?, let what) in directions {
                guard next.node == hop.node,
                    let entry = snapshot.fdb.first(where: {
                        $0.mac == mac && $0.bridge?.name == hop.interface && $0.state != .permanent
                    }),
                    entry.port.name != next.interface
                else { continue }
                // The snapshot predates the probes: if every echo still reached the next hop, the entry was
                // relearned (or never used) and did no harm.
                let toTarget = what == "to the target"
                let echoes = facts.report.probes.filter { $0.kind != .arp && $0.sent }
                let harmless =
                    !echoes.isEmpty
                    && echoes.allSatisfy { probe in
                        let sighting = probe.hop(next.label)
                        return (toTarget ? sighting?.request.seen : sighting?.reply.seen) == true
                    }
                if harmless { continue }
                var evidence = [
                    "fdb \(mac) dev \(entry.port.name) master \(hop.interface) \(entry.state.rawValue)",
                    "the path \(what) leaves \(hop.node):\(hop.interface) by \(next.interface)",
                ]
                for probe in facts.report.probes where probe.kind != .arp {
                    if let side = probe.hop("\(hop.node):\(entry.port.name)"), side.request.seen || side.reply.seen {
                        evidence.append("\(probe.kind.rawValue) captured on \(side.label), off the path")
                    }
                }
                findings.append(
                    Finding(
                        .fdbWrongPort,
                        at: HopName(node: hop.node, interface: entry.port.name),
                        summary: "\(hop.node):\(hop.interface) sends \(mac) to \(entry.port.name), "
                            + "not to \(next.interface)",
                        evidence: evidence,
                        fix: NodeCommand.deleteFDBEntry(entry, snapshot.node)
                    )
                )
            }
        }
        return findings
    }

    /// A unicast request reached the switch port facing the uplink and never the uplink, which is enslaved to a
    /// bridge without promiscuous mode: the NIC filters frames for the containers' MACs.
    private static func promiscuity(_ facts: TraceFacts) -> Finding? {
        guard let drop = facts.report.drop, drop.probe != .arp, drop.direction == .request,
            let missing = facts.firstMissing, missing.sighting?.role == .uplink,
            let link = facts.context.link(missing.hop), link.master != nil, link.promiscuity == 0
        else { return nil }
        let snapshot = facts.context.snapshot(missing.hop.node)
        return Finding(
            .promiscRequired,
            at: missing.hop,
            summary: "\(missing.hop) is a bridge port without promiscuous mode and drops frames for container MACs",
            evidence: [
                "\(drop.probe.rawValue) request to \(facts.targetMAC.map { "\($0)" } ?? "the target") last seen at "
                    + "\(drop.lastSeen.map { "\($0)" } ?? "nowhere")",
                "\(missing.hop) promiscuity 0, master \(link.master?.name ?? "?")",
            ],
            fix: NodeCommand.tool("ip", snapshot?.node, "link set dev \(missing.hop.interface) promisc on")
        )
    }

    /// Ports not forwarding, STP with a long forward delay, broadcast flooding off.
    static func doctor(_ context: DiagnosisContext) -> [Finding] {
        var findings: [Finding] = []
        for snapshot in context.topology.namespaces {
            let node = snapshot.node.name
            for link in snapshot.links {
                if let settings = link.bridge, settings.stpState != .off,
                    let delay = settings.forwardDelayCentiseconds, delay > 400
                {
                    findings.append(
                        Finding(
                            .bridgePortNotForwarding,
                            severity: .warning,
                            at: HopName(node: node, interface: link.name),
                            summary: "\(node):\(link.name) runs STP with a \(delay / 100) s forward delay: every new "
                                + "port (a container starting) drops frames for \(2 * delay / 100) s",
                            evidence: [
                                "\(link.name) stp_state \(settings.stpState.rawValue), forward_delay \(delay) cs",
                                "alternatively, when STP must stay on: "
                                    + NodeCommand.tool(
                                        "ip",
                                        snapshot.node,
                                        "link set dev \(link.name) type bridge forward_delay 400"
                                    ),
                            ],
                            fix: NodeCommand.tool(
                                "ip",
                                snapshot.node,
                                "link set dev \(link.name) type bridge stp_state 0"
                            )
                        )
                    )
                }
                guard let port = link.bridgePort, link.isUp, link.carrier != false else { continue }
                let name = HopName(node: node, interface: link.name)
                if port.state != .forwarding {
                    let stp = link.master.flatMap { context.topology.link($0) }?.bridge?.stpState ?? .off
                    // Under STP, blocking is how loops are broken and listening/learning is a port coming up.
                    let severity: Finding.Severity = stp == .off || port.state == .disabled ? .error : .warning
                    findings.append(notForwarding(link, port, at: name, context, severity: severity))
                }
                // The bridge normally makes its ports promiscuous; a NIC port that is not (the bridge turned it
                // off, or the driver refused) filters frames for the containers' MACs.
                if link.kind == .physical, link.promiscuity == 0 {
                    findings.append(
                        Finding(
                            .promiscRequired,
                            severity: .warning,
                            at: name,
                            summary: "\(name) is a NIC enslaved to a bridge but not promiscuous: frames for the "
                                + "containers' MACs may never get past it",
                            evidence: ["\(name) promiscuity 0, master \(link.master?.name ?? "?")"],
                            fix: NodeCommand.tool("ip", snapshot.node, "link set dev \(link.name) promisc on")
                        )
                    )
                }
                if port.broadcastFlood == false {
                    // Every flood flag that is off comes back on: unknown unicast and multicast were switched off
                    // with broadcasts as often as not, and an ARP reply to a MAC the bridge forgot needs them.
                    let off =
                        [("flood", port.unicastFlood), ("mcast_flood", port.multicastFlood)]
                        .filter { $0.1 == false }.map(\.0) + ["bcast_flood"]
                    findings.append(
                        Finding(
                            .bridgePortFloodDisabled,
                            severity: .warning,
                            at: name,
                            summary: "\(name) does not flood broadcasts: ARP requests never reach what is behind it",
                            evidence: off.map { "\($0) off on \(name)" },
                            fix: NodeCommand.tool(
                                "bridge",
                                snapshot.node,
                                "link set dev \(link.name) " + off.map { "\($0) on" }.joined(separator: " ")
                            )
                        )
                    )
                }
            }
        }
        return findings
    }
}
