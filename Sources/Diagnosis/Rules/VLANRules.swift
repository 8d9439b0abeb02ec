import NetworkModel
internal import Topology
internal import Trace

/// VLAN_MISMATCH: a tagged frame no interface accepts, or an untagged frame where a tag was expected.
///
/// This kernel has no 802.1Q devices, so the rule is fed recorded sightings (`TaggedFrameSighting`) and tested on
/// constructed ones only.
enum VLANRules {
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
