internal import KernelDrops
internal import LinuxNet
internal import NetworkModel
internal import PacketCodec

/// The findings a trace proves from its own observations, each with the evidence and a fix.
///
/// Only what the frames show directly: a neighbour entry that disagrees with the ARP answer, more than one
/// MAC answering, replies delivered to a port off the path, a size-dependent loss, a target that got the
/// request and did not answer, and where a lost probe stopped. Deeper causes are the diagnosis rules' job.
enum TraceFindings {
    static func derive(evidence: TraceEvidence, probes: [ProbeReport], drop: DropLocation?) -> [Finding] {
        var findings: [Finding] = []
        let source = evidence.source
        let sourceName = HopName(node: source.node, interface: source.interface)
        let targetIP = evidence.target.ip.map { "\($0)" } ?? "the target"
        let arp = probes.first { $0.kind == .arp }
        let answered = arp?.answeredBy ?? []

        if answered.count > 1 {
            findings.append(
                Finding(
                    code: "arp-multiple-answers",
                    severity: .error,
                    location: sourceName,
                    summary: "\(answered.count) different MACs answered ARP for \(targetIP)",
                    evidence: answered.map { "ARP reply for \(targetIP) from \($0)" },
                    fix: "Find the hosts owning \(answered.map(\.description).joined(separator: ", ")): a duplicate "
                        + "address, or a multi-homed host answering on every interface (set "
                        + "net.ipv4.conf.all.arp_ignore=1 and arp_announce=2 there)."
                )
            )
        }
        if let expected = evidence.target.mac, !answered.isEmpty, !answered.contains(expected) {
            findings.append(
                Finding(
                    code: "arp-answered-by-other",
                    severity: .error,
                    location: sourceName,
                    summary: "ARP for \(targetIP) was answered by \(answered[0]), not by the target's \(expected)",
                    evidence: ["target interface \(evidence.target.interface) has \(expected)"]
                        + answered.map { "ARP reply from \($0)" },
                    fix: "Find the host owning \(answered[0]) (proxy ARP or a duplicate address) and stop it "
                        + "answering for \(targetIP)."
                )
            )
        }
        if let entry = evidence.neighbour, let cached = entry.mac, let actual = answered.first, cached != actual {
            let ip = ipCommand(source.namespace)
            let fix =
                entry.isPermanent
                ? "\(ip) neigh replace \(entry.ip) lladdr \(actual) dev \(entry.interface) nud permanent"
                : "\(ip) neigh del \(entry.ip) dev \(entry.interface)"
            findings.append(
                Finding(
                    code: "stale-neighbour",
                    severity: .error,
                    location: sourceName,
                    summary: "\(source.node) sends \(entry.ip) to \(cached), but \(actual) answers ARP for it",
                    evidence: [
                        "neighbour entry \(entry.ip) lladdr \(cached) \(entry.states.joined(separator: " "))",
                        "ARP reply for \(entry.ip) from \(actual)",
                    ],
                    fix: fix
                )
            )
        }
        for (index, reason) in evidence.unavailable.sorted(by: { $0.key < $1.key }) {
            let point = evidence.hops[index]
            findings.append(
                Finding(
                    code: "interface-down",
                    severity: point.isSide ? .warning : .error,
                    location: HopName(node: point.node, interface: point.interface),
                    summary: "\(point.label) is down: nothing passes it and nothing could be captured there",
                    evidence: ["capture on \(point.label): \(reason)"],
                    fix: "\(ipCommand(point.namespace)) link set dev \(point.interface) up"
                )
            )
        }
        findings += sidePointFindings(evidence: evidence, probes: probes)
        findings += lossFindings(evidence: evidence, probes: probes, drop: drop)
        findings += refusals(evidence: evidence, probes: probes)
        return findings.sorted { $0.severity > $1.severity }
    }

    /// Unicast frames seen on a port off the path: flooded requests (the bridge does not know the MAC) and
    /// replies delivered where they do not belong.
    private static func sidePointFindings(evidence: TraceEvidence, probes: [ProbeReport]) -> [Finding] {
        var findings: [Finding] = []
        for (index, point) in evidence.hops.enumerated() where point.isSide {
            let name = HopName(node: point.node, interface: point.interface)
            let replies = probes.filter { $0.hops[index].reply.seen }.map(\.kind.rawValue)
            if !replies.isEmpty {
                findings.append(
                    Finding(
                        code: "misdelivered-reply",
                        severity: .warning,
                        location: name,
                        summary: "replies to \(evidence.source.node) also left on \(name), a port off the path",
                        evidence: replies.map { "\($0) reply captured on \(name)" },
                        fix:
                            "Look for a stale or static entry for \(evidence.source.mac.map { "\($0)" } ?? "the source MAC") "
                            + "in the bridge's forwarding table (bridge fdb show) and delete it; the FDB_WRONG_PORT "
                            + "finding, where there is one, gives the command."
                    )
                )
            }
            // The stack probe sent to a MAC other than the target's is flooded because nobody owns that MAC:
            // the stale neighbour entry is the finding, not the bridge's forwarding table.
            let flooded = probes.filter { probe in
                probe.kind != .arp && probe.hops[index].request.seen
                    && (probe.kind.isCrafted || evidence.target.mac == nil || probe.sentTo == evidence.target.mac)
            }.map(\.kind.rawValue)
            if !flooded.isEmpty {
                findings.append(
                    Finding(
                        code: "unicast-flooded",
                        severity: .info,
                        location: name,
                        summary: "echo requests to \(evidence.target.node) were flooded to \(name)",
                        evidence: flooded.map { "\($0) request captured on \(name)" },
                        fix: "The bridge does not know \(evidence.target.mac.map { "\($0)" } ?? "the target's MAC") "
                            + "(bridge fdb show) and floods "
                            + "frames for it out of every port. For a macvlan child of the bridge this lasts (the "
                            + "bridge never learns MACs of frames it sends itself); otherwise it learns the MAC from "
                            + "the target's next frame, so check the forwarding table ageing and the port's learning flag."
                    )
                )
            }
        }
        return findings
    }

    /// What a lost probe proves: a size-dependent loss, a silent target, or simply where the frame stopped.
    private static func lossFindings(evidence: TraceEvidence, probes: [ProbeReport], drop: DropLocation?) -> [Finding] {
        guard let drop else { return [] }
        var findings: [Finding] = []
        let small = probes.first { $0.kind == .icmp }
        let large = probes.first { $0.kind == .icmpMTU }
        let stop = drop.firstMissing ?? drop.lastSeen
        if small?.result == .answered, let large, large.result == .lost, large.sent {
            let point = drop.firstMissing.flatMap { name in
                evidence.hops.first { $0.node == name.node && $0.interface == name.interface }
            }
            let command = point.map { "\(ipCommand($0.namespace)) link set dev \($0.interface) mtu \(large.size)" }
            findings.append(
                Finding(
                    code: "mtu-mismatch",
                    severity: .error,
                    location: stop,
                    summary: "\(large.size)-byte packets with DF set are lost at \(stop.map { "\($0)" } ?? "?"), "
                        + "\(small?.size ?? 0)-byte ones pass",
                    evidence: [
                        "icmp (\(small?.size ?? 0) bytes) answered",
                        "icmp-mtu (\(large.size) bytes) last seen at \(drop.lastSeen.map { "\($0)" } ?? "nowhere")",
                    ],
                    fix:
                        "Give every link on the path the same MTU: \(command ?? "raise the MTU where the frame stopped") "
                        + "(or lower the sender's to the smallest on the path)."
                )
            )
            return findings
        }
        if !drop.probe.isCrafted, let stack = probes.first(where: { $0.kind == drop.probe }) {
            findings.append(stackLost(stack, drop: drop, evidence: evidence, probes: probes))
            return findings
        }
        let lost = probes.first { $0.kind == drop.probe }
        if drop.direction == .reply, drop.firstMissing == drop.lastSeen, let stop {
            findings.append(
                Finding(
                    code: "target-silent",
                    severity: .error,
                    location: stop,
                    summary: "\(stop) received the \(drop.probe.rawValue) request and sent no reply",
                    evidence: ["\(drop.probe.rawValue) request captured on \(stop)", "no reply captured there"],
                    fix: drop.probe == .arp
                        ? "Check the target's address and its arp_ignore/arp_filter settings (sysctl net.ipv4.conf)."
                        : "Check the firewall inside the target (nft list ruleset), its rp_filter and its routes back."
                )
            )
            return findings
        }
        if let reason = evidence.kernelDropsUnavailable {
            findings.append(
                Finding(
                    code: "kernel-drops-unavailable",
                    severity: .info,
                    location: nil,
                    summary: "the kernel's own account of the drop could not be recorded",
                    evidence: [reason],
                    fix: "Run as root on a kernel with tracefs and the skb:kfree_skb event to learn why it dropped."
                )
            )
        }
        let missing = drop.firstMissing.map { "\($0)" } ?? "?"
        // A port probe lost while the echo requests pass: the filter drops that port, not the path.
        let echoPasses = probes.first { $0.kind == .icmp }?.result == .answered
        let portLabel = lost.flatMap { probe in probe.port.map { "\(probe.kind.transport.uppercased()) \($0)" } }
        let prefix = portLabel.map { echoPasses ? "ICMP passes but \($0) is dropped: " : "\($0) is dropped: " } ?? ""
        findings.append(
            Finding(
                code: "dropped-between",
                severity: .error,
                location: stop,
                summary: "\(prefix)the \(drop.trail)",
                evidence: (lost.map { probe in
                    // A bridge device is listed when it saw the frame (the trail may end there) or when it
                    // should have (the flooded ARP request); its silence about unicast is no evidence.
                    probe.hops.filter { hop in
                        let seen = drop.direction == .request ? hop.request.seen : hop.reply.seen
                        return !hop.isSide
                            && (hop.role.seesForwardedUnicast || seen
                                || (drop.probe == .arp && drop.direction == .request))
                    }
                    .map { hop in
                        let sighting = drop.direction == .request ? hop.request : hop.reply
                        return "\(hop.label): \(drop.direction.rawValue) \(sighting.seen ? "seen" : "not seen")"
                    }
                } ?? []) + (drop.kernel.map { ["kernel: \($0.reason) in \($0.location) on \($0.device)"] } ?? []),
                fix: "On the way into \(missing): check the bridge port's state and flood flags "
                    + "(bridge -d link show), the link's carrier (ip link show), and bridge netfilter "
                    + "(sysctl net.bridge.bridge-nf-call-iptables; nft list ruleset)."
            )
        )
        return findings
    }

    /// Port probes the target answered with a refusal (a TCP RST, an ICMP port unreachable): the path works
    /// both ways and nothing listens on the port. Not a network drop: the service is missing or bound elsewhere.
    private static func refusals(evidence: TraceEvidence, probes: [ProbeReport]) -> [Finding] {
        let refused = probes.filter { $0.result == .refused }
        guard let first = refused.first, let port = first.port else { return [] }
        let target = evidence.target
        let label = "\(first.kind.transport.uppercased()) \(port)"
        let how = first.kind.transport == "tcp" ? "answered the SYN with a RST" : "answered with ICMP port unreachable"
        let listing = first.kind.transport == "tcp" ? "ss -ltn" : "ss -lun"
        return [
            Finding(
                code: "port-refused",
                severity: .error,
                location: HopName(node: target.node, interface: target.interface),
                summary: "nothing listens on \(label) in \(target.node): it \(how)",
                evidence: refused.map { "\($0.kind) to port \(port): refused, not lost (the path carried both ways)" },
                fix: "Start the service that should answer on \(label) in \(target.node), or bind it to "
                    + "\(target.ip.map { "\($0)" } ?? "the target's address") (what listens there: \(listing))."
            )
        ]
    }

    /// Every crafted probe was answered and the source's own echo request was not: the fault is in the
    /// source's stack (its route, neighbour entry, OUTPUT hook, rp_filter or INPUT hook), which the crafted
    /// frames bypass. The evidence says how far the kernel's frame got; the diagnosis rules name the cause.
    private static func stackLost(
        _ stack: ProbeReport,
        drop: DropLocation,
        evidence: TraceEvidence,
        probes: [ProbeReport]
    ) -> Finding {
        let source = evidence.source
        let sourceName = HopName(node: source.node, interface: source.interface)
        let sourceHop = evidence.sourceHop
        let target = evidence.target.ip.map { "\($0)" } ?? "the target"
        let arpMAC = probes.first { $0.kind == .arp }?.answeredBy.first
        let what =
            stack.kind == .stack ? "echo request" : "\(stack.kind.transport.uppercased()) \(stack.port ?? 0) probe"
        var lines = [
            "crafted probes answered: " + probes.filter(\.kind.isCrafted).map(\.kind.rawValue).joined(separator: ", ")
        ]
        if let error = stack.sendError {
            lines.append("the kernel refused to send it: \(error)")
        } else if !stack.hops[sourceHop].request.seen {
            lines.append("the kernel's \(what) never left \(sourceName) (routed elsewhere, or waiting for ARP)")
        } else if let mac = stack.sentTo {
            var line = "the kernel's \(what) left \(sourceName) for \(mac)"
            if let arpMAC, arpMAC != mac { line += ", while ARP for \(target) is answered by \(arpMAC)" }
            lines.append(line)
        }
        if stack.hops[sourceHop].reply.seen {
            lines.append("its reply reached \(sourceName) and not the socket: the source's stack dropped it")
        }
        let ip = ipCommand(source.namespace)
        return Finding(
            code: "stack-lost",
            severity: .error,
            location: sourceName,
            summary: "\(source.node)'s own \(what) to \(target) got no answer although the crafted probes did: "
                + "the fault is in \(source.node)'s own stack",
            evidence: lines,
            fix: "Check what the source's kernel does with traffic for \(target): \(ip) route get \(target); "
                + "\(ip) neigh show \(target); its OUTPUT/INPUT rules (nft list ruleset); its rp_filter (sysctl "
                + "net.ipv4.conf.all.rp_filter net.ipv4.conf.\(source.interface).rp_filter)."
        )
    }

    /// The `ip` invocation that acts inside `namespace`, for fix commands.
    static func ipCommand(_ namespace: NetworkNamespace) -> String {
        switch namespace {
        case .current: "ip"
        case .named(let name): "ip -n \(name)"
        case .pid(let pid): "nsenter -t \(pid) -n ip"
        case .path(let path): "nsenter --net=\(path) ip"
        }
    }
}
