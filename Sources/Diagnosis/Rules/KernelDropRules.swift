internal import KernelDrops
import NetworkModel
internal import Trace

/// KERNEL_DROP: the kernel freed the frame for a reason no other rule explains.
enum KernelDropRules {
    static func findings(_ facts: TraceFacts) -> [Finding] {
        // A drop matters only when a probe was lost; a healthy trace's stray drops are copies.
        guard facts.report.drop != nil else { return [] }
        return facts.kernelDrops.map { drop in
            Finding(
                .kernelDrop,
                at: facts.report.drop?.firstMissing ?? facts.report.drop?.lastSeen,
                summary: "the kernel dropped the frame: \(drop.reason) in \(drop.location)",
                evidence: ["skb:kfree_skb reason \(drop.reason) location \(drop.location) device \(drop.device)"]
                    + (facts.report.drop.map { ["\($0.probe.rawValue) \($0.direction.rawValue) lost"] } ?? []),
                fix: advice(drop.reason)
            )
        }
    }

    /// What to look at for the kernel's drop reasons that show up on these paths.
    static func advice(_ reason: String) -> String {
        switch reason {
        case "NETFILTER_DROP": "A netfilter rule dropped it: nft list ruleset (in the namespace where it died)."
        case "IP_RPFILTER": "Reverse-path filtering: sysctl -w net.ipv4.conf.all.rp_filter=2 or fix the route back."
        case "PKT_TOO_BIG": "The frame is larger than the MTU: make the MTUs along the path equal."
        case "NO_SOCKET", "SOCKET_FILTER": "Nothing listens for it there."
        case "IP_NOPROTO", "UNHANDLED_PROTO": "The protocol is not handled at the receiving end."
        case "OTHERHOST": "The frame was for another host's MAC: a stale neighbour entry or FDB entry upstream."
        case "NEIGH_FAILED", "NEIGH_QUEUEFULL": "The neighbour could not be resolved: check ARP on the path."
        default: "Look up the reason in include/net/dropreason-core.h and the function it names."
        }
    }
}
