import NetworkModel
internal import Topology
internal import Trace

/// MTU_MISMATCH: the large probe dies where the MTU shrinks, or a link pair disagrees on the MTU.
enum MTURules {
    static func trace(_ facts: TraceFacts) -> [Finding] {
        guard let drop = facts.report.drop, drop.probe == .icmpMTU,
            let large = facts.report.probe(.icmpMTU), large.sent,
            facts.report.probe(.icmp)?.result == .answered
        else { return [] }
        let stop = drop.firstMissing ?? drop.lastSeen
        // The narrowest link on the path names the fix; the drop point when no snapshot says more.
        let narrow = facts.pathHops.compactMap { hop -> (HopName, Link)? in
            let name = HopName(node: hop.node, interface: hop.interface)
            return facts.context.link(name).map { (name, $0) }
        }.filter { $0.1.mtu < large.size }.min { $0.1.mtu < $1.1.mtu }
        // Small frames of a burst lost as well: the large one's loss is no MTU proof without a narrower link.
        if narrow == nil, let burst = facts.report.burst, burst.answered < burst.sent { return [] }
        let location = narrow?.0 ?? stop
        var evidence = [
            "icmp (\(facts.report.probe(.icmp)?.size ?? 0) bytes) answered",
            "icmp-mtu (\(large.size) bytes, DF) last seen at \(drop.lastSeen.map { "\($0)" } ?? "nowhere")",
        ]
        if let (name, link) = narrow { evidence.append("\(name) mtu \(link.mtu)") }
        evidence += facts.kernelEvidence
        let node = location.flatMap { facts.context.snapshot($0.node)?.node }
        let fix =
            location.map { NodeCommand.tool("ip", node, "link set dev \($0.interface) mtu \(large.size)") }
            ?? "Give every link on the path the same MTU"
        return [
            Finding(
                .mtuMismatch,
                at: location,
                summary: "\(large.size)-byte frames die at \(location.map { "\($0)" } ?? "?")"
                    + (narrow.map { " (MTU \($0.1.mtu))" } ?? "") + "; small ones pass",
                evidence: evidence + ["alternatively: lower the sender's MTU to the smallest on the path"],
                fix: fix
            )
        ]
    }

    /// veth ends with different MTUs, and bridge ports whose MTU differs from their bridge's.
    static func doctor(_ context: DiagnosisContext) -> [Finding] {
        var findings: [Finding] = []
        var seenPairs: Set<String> = []
        for snapshot in context.topology.namespaces {
            let node = snapshot.node.name
            for link in snapshot.links {
                if let peerReference = link.peer, let peer = context.topology.link(peerReference), peer.mtu != link.mtu
                {
                    let key = ["\(node):\(link.name)", "\(peerReference)"].sorted().joined(separator: "|")
                    if seenPairs.insert(key).inserted {
                        let small = link.mtu < peer.mtu ? (node, link) : (peerReference.node, peer)
                        let large = max(link.mtu, peer.mtu)
                        findings.append(
                            Finding(
                                .mtuMismatch,
                                at: HopName(node: small.0, interface: small.1.name),
                                summary: "veth pair \(node):\(link.name) (MTU \(link.mtu)) and \(peerReference) "
                                    + "(MTU \(peer.mtu)) disagree: frames over \(small.1.mtu) bytes are dropped",
                                evidence: [
                                    "\(node):\(link.name) mtu \(link.mtu)", "\(peerReference) mtu \(peer.mtu)",
                                ],
                                fix: NodeCommand.tool(
                                    "ip",
                                    context.snapshot(small.0)?.node,
                                    "link set dev \(small.1.name) mtu \(large)"
                                )
                            )
                        )
                    }
                }
                if let master = link.master, let bridge = context.topology.link(master), link.mtu != bridge.mtu {
                    findings.append(
                        Finding(
                            .mtuMismatch,
                            severity: .warning,
                            at: HopName(node: node, interface: link.name),
                            summary: "bridge port \(node):\(link.name) has MTU \(link.mtu), its bridge "
                                + "\(bridge.name) has \(bridge.mtu)",
                            evidence: [
                                "\(node):\(link.name) mtu \(link.mtu)", "\(node):\(bridge.name) mtu \(bridge.mtu)",
                            ],
                            fix: NodeCommand.tool("ip", snapshot.node, "link set dev \(link.name) mtu \(bridge.mtu)")
                        )
                    )
                }
            }
        }
        return findings
    }
}
