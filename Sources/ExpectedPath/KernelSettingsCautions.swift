package import KernelSettings

/// The sysctls and netfilter ruleset of one namespace on a path, as far as they could be read.
package struct NodeKernelSettings: Sendable, Hashable {
    package var sysctls: NamespaceSysctls?
    package var netfilter: NetfilterRuleset?

    package init(sysctls: NamespaceSysctls?, netfilter: NetfilterRuleset?) {
        self.sysctls = sysctls
        self.netfilter = netfilter
    }
}

extension ExpectedPath {
    /// Adds to each hop the netfilter hooks and sysctls that can drop the frame there: bridge filter chains and,
    /// with br_netfilter's bridge-nf-call-iptables/arptables, ip/inet/arp FORWARD chains on bridging hops; FORWARD
    /// chains, forwarding and rp_filter where a namespace routes; OUTPUT at the sender; INPUT at the receiver.
    ///
    /// `settings` is keyed by node name; nodes without an entry get no cautions.
    package mutating func addCautions(_ settings: [String: NodeKernelSettings]) {
        for index in hops.indices {
            let hop = hops[index]
            guard let node = settings[hop.node] else { continue }
            var cautions: [String] = []
            let isFirst = index == hops.startIndex
            let isLast = index == hops.index(before: hops.endIndex) && reachable
            switch (hop.direction, hop.reason) {
            case (.bridging, _):
                cautions += chains(node, family: "bridge", hook: "forward", what: "bridged frames")
                if node.sysctls?.bridgeNetfilter?.callIptables == true {
                    cautions += chains(
                        node,
                        families: ["ip", "inet"],
                        hook: "forward",
                        what: "bridged IPv4 (bridge-nf-call-iptables=1)"
                    )
                }
                if node.sysctls?.bridgeNetfilter?.callArptables == true {
                    cautions += chains(
                        node,
                        family: "arp",
                        hook: "forward",
                        what: "bridged ARP (bridge-nf-call-arptables=1)"
                    )
                }
            case (.ingress, .bridgeLocal):
                cautions += chains(node, family: "bridge", hook: "input", what: "frames for the bridge itself")
            case (.egress, .routed):
                cautions += chains(node, families: ["ip", "inet"], hook: "forward", what: "routed packets")
                if index > hops.startIndex, let arrival = node.sysctls?.interface(named: hops[index - 1].interface) {
                    if arrival.forwarding.effective == 0 {
                        cautions.append(
                            "forwarding is off on \(arrival.interface) (net.ipv4.conf.\(arrival.interface).forwarding=0)"
                        )
                    }
                    if arrival.rpFilter.effective == 1 {
                        cautions.append(
                            "strict rp_filter on \(arrival.interface) (all=\(arrival.rpFilter.all), "
                                + "interface=\(arrival.rpFilter.interface)) drops packets whose route back leaves elsewhere"
                        )
                    }
                }
            default:
                break
            }
            if isFirst {
                cautions += chains(node, families: ["ip", "inet"], hook: "output", what: "packets the sender sends")
                cautions += chains(node, family: "arp", hook: "output", what: "ARP the sender sends")
            }
            if isLast {
                cautions += chains(node, families: ["ip", "inet"], hook: "input", what: "packets for this namespace")
                cautions += chains(node, family: "arp", hook: "input", what: "ARP for this namespace")
                if let receiving = node.sysctls?.interface(named: hop.interface), receiving.arp.ignore.effective == 8 {
                    cautions.append("arp_ignore=8 on \(receiving.interface): it never answers ARP")
                }
            }
            hops[index].cautions = cautions
        }
    }

    private func chains(_ node: NodeKernelSettings, family: String, hook: String, what: String) -> [String] {
        chains(node, families: [family], hook: hook, what: what)
    }

    private func chains(_ node: NodeKernelSettings, families: [String], hook: String, what: String) -> [String] {
        let hooks = families.flatMap { node.netfilter?.hooks(family: $0, hook: hook) ?? [] }.filter(\.canDrop)
        return hooks.map { chain in
            var text = "\(chain.family) \(chain.table) \(chain.chain) (hook \(hook)) can drop \(what): "
            var reasons: [String] = []
            if chain.policy == "drop" { reasons.append("policy drop") }
            if let rule = chain.dropRules.first {
                let more = chain.dropRules.count > 1 ? " and \(chain.dropRules.count - 1) more" : ""
                reasons.append("rule [\(rule.chain) handle \(rule.handle)] \(rule.text)\(more)")
            }
            text += reasons.joined(separator: "; ")
            return text
        }
    }
}
