import NetworkModel
internal import Topology
internal import Trace

/// VLAN_MISMATCH: a tagged frame no interface accepts, or an untagged frame where a tag was expected.
///
/// This kernel has no 802.1Q devices, so the rule is fed recorded sightings (`TaggedFrameSighting`) and tested on
/// constructed ones only.
enum VLANRules {
    /// VLAN_MISMATCH where a VLAN-filtering bridge drops the request: walking the path, a frame enters a port
    /// in the VLAN of its tag (or the port's PVID when untagged) and must leave by a port that carries that VLAN.
    /// Named at the first port where the VLAN stops matching: an ingress port without a PVID, or an egress port
    /// (a trunk, a container's access port) that does not carry the VLAN. Only when the request never got past.
    static func trace(_ report: TraceReport, _ context: DiagnosisContext) -> [Finding] {
        guard report.verdict != .reachable, let probe = report.probes.first else { return [] }
        let path = probe.hops.filter { !$0.isSide }
        var findings: [Finding] = []
        var vlan: (vid: UInt16, at: HopName, how: String)?
        for hop in path {
            let name = HopName(node: hop.node, interface: hop.interface)
            guard let link = context.link(name), let port = link.bridgePort, let vlans = port.vlans,
                let master = link.master, context.topology.link(master)?.bridge?.vlanFiltering == true
            else { continue }
            let bridge = "\(hop.node):\(master.name)"
            if let current = vlan, current.at.node == hop.node {
                // The egress port of the bridge the frame entered.
                if !port.carries(current.vid), !hop.request.seen {
                    let carried = vlans.map { "\($0.vid)\($0.untagged ? " untagged" : "")\($0.pvid ? " pvid" : "")" }
                    findings.append(
                        Finding(
                            .vlanMismatch,
                            at: name,
                            summary: "\(bridge) puts the frame in VLAN \(current.vid) (\(current.how)), and \(name) "
                                + "does not carry VLAN \(current.vid), so the bridge never sends it there",
                            evidence: [
                                "\(current.at): the frame is in VLAN \(current.vid) (\(current.how))",
                                "\(name) carries " + (carried.isEmpty ? "no VLAN" : carried.joined(separator: ", ")),
                                "the request was seen at \(current.at) and not at \(name)",
                            ],
                            // A trunk (every VLAN tagged) gets the VLAN tagged; an access port as its PVID.
                            fix: NodeCommand.tool(
                                "bridge",
                                context.snapshot(hop.node)?.node,
                                "vlan add dev \(hop.interface) vid \(current.vid)"
                                    + (!vlans.isEmpty && vlans.allSatisfy { !$0.untagged } ? "" : " pvid untagged")
                            )
                        )
                    )
                }
                vlan = nil
                continue
            }
            guard hop.request.seen else { continue }
            if let tag = hop.request.vlanIDs.first {
                vlan = (tag, name, "tagged \(tag) on \(name)")
            } else if let pvid = port.pvid {
                vlan = (pvid, name, "untagged on \(name), whose PVID is \(pvid)")
            } else {
                findings.append(
                    Finding(
                        .vlanMismatch,
                        at: name,
                        summary: "untagged frames reach \(name), a port of \(bridge) (VLAN filtering) with no PVID, "
                            + "so the bridge drops them",
                        evidence: [
                            "the request was captured untagged on \(name)",
                            "\(name) carries " + vlans.map { "\($0.vid)" }.joined(separator: ", ") + ", none as PVID",
                        ],
                        fix: NodeCommand.tool(
                            "bridge",
                            context.snapshot(hop.node)?.node,
                            "vlan add dev \(hop.interface) vid VID pvid untagged"
                        )
                    )
                )
            }
        }
        // The walk stopped inside the bridge (no egress port on the path): a trunk of that bridge that does
        // not carry the frame's VLAN is where it stops matching.
        if let current = vlan, findings.isEmpty {
            for hop in probe.hops where hop.isSide && hop.node == current.at.node && !hop.request.seen {
                let name = HopName(node: hop.node, interface: hop.interface)
                guard let link = context.link(name), let vlans = link.bridgePort?.vlans, !vlans.isEmpty,
                    vlans.allSatisfy({ !$0.untagged }), !vlans.contains(where: { $0.vid == current.vid }),
                    link.master == context.link(current.at)?.master
                else { continue }
                findings.append(
                    Finding(
                        .vlanMismatch,
                        at: name,
                        summary: "the trunk \(name) does not carry VLAN \(current.vid), the VLAN the frame is in "
                            + "(\(current.how)), so the bridge sends it nowhere on",
                        evidence: [
                            "\(current.at): the frame is in VLAN \(current.vid) (\(current.how))",
                            "\(name) carries " + vlans.map { "\($0.vid)" }.joined(separator: ", ") + ", all tagged",
                            "the request was seen at \(current.at) and not at \(name)",
                        ],
                        fix: NodeCommand.tool(
                            "bridge",
                            context.snapshot(hop.node)?.node,
                            "vlan add dev \(hop.interface) vid \(current.vid)"
                        )
                    )
                )
            }
        }
        return findings
    }

    static func findings(_ context: DiagnosisContext) -> [Finding] {
        var findings: [Finding] = []
        for sighting in context.taggedFrames {
            guard let snapshot = context.snapshot(sighting.at.node),
                let link = snapshot.link(named: sighting.at.interface)
            else { continue }
            let accepted = snapshot.links.filter { $0.kind == .vlan && $0.parent?.index == link.index }
                .compactMap { $0.vlan?.id }
            let filteringBridge = link.master.flatMap { context.topology.link($0) }?.bridge?.vlanFiltering == true
            let outer = sighting.vlanIDs.first
            if let expected = sighting.expectedVLAN, outer != expected {
                findings.append(
                    Finding(
                        .vlanMismatch,
                        at: sighting.at,
                        summary: "frames reach \(sighting.at) "
                            + (outer.map { "tagged \($0)" } ?? "untagged") + ", but VLAN \(expected) is expected there",
                        evidence: [
                            "frame captured on \(sighting.at) with tags \(sighting.vlanIDs.map(String.init))",
                            "expected VLAN \(expected)",
                        ],
                        fix: "Tag VLAN \(expected) on the switch port facing \(sighting.at.interface) (or set the "
                            + "container's lxc.net.N.vlan.id to \(outer.map(String.init) ?? "the untagged VLAN"))"
                    )
                )
            } else if let outer, !accepted.contains(outer), !filteringBridge, !accepted.isEmpty || link.master != nil {
                findings.append(
                    Finding(
                        .vlanMismatch,
                        at: sighting.at,
                        summary:
                            "frames tagged \(outer) reach \(sighting.at), and no interface there accepts VLAN \(outer)",
                        evidence: [
                            "frame captured on \(sighting.at) with tags \(sighting.vlanIDs.map(String.init))",
                            accepted.isEmpty
                                ? "no VLAN interface on \(sighting.at.interface)"
                                : "VLAN interfaces on \(sighting.at.interface): \(accepted.map(String.init).joined(separator: ", "))",
                        ],
                        fix: NodeCommand.tool(
                            "ip",
                            snapshot.node,
                            "link add link \(link.name) name \(link.name).\(outer) type vlan id \(outer)"
                        ) + " (and enslave it to the bridge), or fix the tag on the switch"
                    )
                )
            }
        }
        return findings
    }
}
