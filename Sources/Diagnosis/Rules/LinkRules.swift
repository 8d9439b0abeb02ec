import NetworkModel
internal import Topology
internal import Trace

/// LINK_DOWN: an interface that is administratively down, or up without a carrier.
enum LinkRules {
    /// Every interface on the trace's path that is down, or that the capture found down.
    static func trace(_ facts: TraceFacts) -> [Finding] {
        var findings: [Finding] = []
        var named: Set<String> = []
        for hop in facts.pathHops {
            let name = HopName(node: hop.node, interface: hop.interface)
            if let link = facts.context.link(name), let finding = downFinding(link, in: hop.node, facts.context) {
                findings.append(finding)
                named.insert(finding.location?.description ?? "")
            } else if hop.captureError == "interface down", !named.contains(name.description) {
                let node = facts.context.snapshot(hop.node)?.node
                findings.append(
                    Finding(
                        .linkDown,
                        at: name,
                        summary: "\(name) is down: the capture there could not start",
                        evidence: ["capture on \(name): interface down"],
                        fix: NodeCommand.tool("ip", node, "link set dev \(hop.interface) up")
                    )
                )
                named.insert(name.description)
            }
        }
        return findings
    }

    /// Down interfaces that carry traffic: bridge ports, veth ends, macvlan children, container interfaces.
    static func doctor(_ context: DiagnosisContext) -> [Finding] {
        var findings: [Finding] = []
        for snapshot in context.topology.namespaces {
            for link in snapshot.links where carriesTraffic(link, snapshot) {
                if let finding = downFinding(link, in: snapshot.node.name, context) { findings.append(finding) }
            }
        }
        return findings
    }

    private static func carriesTraffic(_ link: Link, _ snapshot: NamespaceSnapshot) -> Bool {
        if link.kind == .loopback { return false }
        if link.master != nil || link.kind == .macvlan || link.kind == .bridge { return true }
        if link.kind == .veth && link.peer != nil { return true }
        return snapshot.node.kind != .host && !snapshot.addresses(onIndex: link.index).isEmpty
    }

    /// The finding for `link` when it is down or has no carrier; a veth without carrier names its peer.
    static func downFinding(_ link: Link, in node: String, _ context: DiagnosisContext) -> Finding? {
        let snapshot = context.snapshot(node)
        if !link.isUp {
            return Finding(
                .linkDown,
                at: HopName(node: node, interface: link.name),
                summary: "\(node):\(link.name) is administratively down",
                evidence: ["\(node):\(link.name) flags lack UP, operstate \(link.operState.rawValue)"],
                fix: NodeCommand.tool("ip", snapshot?.node, "link set dev \(link.name) up")
            )
        }
        guard link.carrier == false || link.operState == .lowerLayerDown || link.operState == .down else {
            return nil
        }
        if let peerReference = link.peer, let peer = context.topology.link(peerReference), !peer.isUp {
            let peerNode = context.snapshot(peerReference.node)?.node
            return Finding(
                .linkDown,
                at: HopName(node: peerReference.node, interface: peer.name),
                summary: "\(peerReference) is down, so its veth peer \(node):\(link.name) has no carrier",
                evidence: [
                    "\(node):\(link.name) up, carrier off (operstate \(link.operState.rawValue))",
                    "veth peer \(peerReference) flags lack UP",
                ],
                fix: NodeCommand.tool("ip", peerNode, "link set dev \(peer.name) up")
            )
        }
        return Finding(
            .linkDown,
            at: HopName(node: node, interface: link.name),
            summary: "\(node):\(link.name) is up but has no carrier",
            evidence: ["\(node):\(link.name) operstate \(link.operState.rawValue), carrier off"],
            fix: "Check the cable or the other end of \(node):\(link.name) "
                + "(\(NodeCommand.tool("ip", snapshot?.node, "link show dev \(link.name)")))."
        )
    }
}
