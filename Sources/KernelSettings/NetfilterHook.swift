/// A rule that drops or rejects, found in a base chain or in a chain it jumps to.
package struct NetfilterRule: Sendable, Hashable, Codable {
    /// The chain that holds the rule (the base chain itself, or a chain reached through jump/goto).
    package var chain: String
    /// nft's rule handle, as `nft -a list ruleset` shows it.
    package var handle: Int
    /// The rule in nft's syntax, rebuilt from the JSON expressions.
    package var text: String
    /// `drop`, `reject`, or the iptables target (`REJECT`, `DROP`).
    package var verdict: String
    package var packets: Int?
    package var bytes: Int?
    package var comment: String?

    package init(
        chain: String,
        handle: Int,
        text: String,
        verdict: String,
        packets: Int? = nil,
        bytes: Int? = nil,
        comment: String? = nil
    ) {
        self.chain = chain
        self.handle = handle
        self.text = text
        self.verdict = verdict
        self.packets = packets
        self.bytes = bytes
        self.comment = comment
    }
}

/// A netfilter base chain: where it hooks in, its policy, and every rule that can drop what passes it.
package struct NetfilterHook: Sendable, Hashable, Codable {
    /// `bridge`, `arp`, `ip`, `ip6`, `inet` or `netdev`.
    package var family: String
    package var table: String
    package var chain: String
    /// `prerouting`, `input`, `forward`, `output`, `postrouting`, `ingress`, `egress`.
    package var hook: String
    /// `filter`, `nat` or `route`.
    package var type: String
    package var priority: Int
    /// `accept` or `drop`.
    package var policy: String
    package var dropRules: [NetfilterRule]
    /// The interfaces X whose own bridged traffic (in X, out X) the chain accepts before any rule could drop
    /// it, as br_netfilter hands it to FORWARD (Docker's `iifname br0 oifname br0 accept`).
    package var bridgedTrafficAccepted: [String]

    package init(
        family: String,
        table: String,
        chain: String,
        hook: String,
        type: String,
        priority: Int,
        policy: String,
        dropRules: [NetfilterRule],
        bridgedTrafficAccepted: [String] = []
    ) {
        self.family = family
        self.table = table
        self.chain = chain
        self.hook = hook
        self.type = type
        self.priority = priority
        self.policy = policy
        self.dropRules = dropRules
        self.bridgedTrafficAccepted = bridgedTrafficAccepted
    }

    /// True when the chain can drop something: a drop policy or at least one drop rule.
    package var canDrop: Bool { policy == "drop" || !dropRules.isEmpty }

    /// `bridge filter forward`, as a person would name the hook.
    package var label: String { "\(family) \(table) \(chain) (hook \(hook), policy \(policy))" }
}

/// The base chains of one namespace's ruleset.
package struct NetfilterRuleset: Sendable, Hashable, Codable {
    package var hooks: [NetfilterHook]

    package init(hooks: [NetfilterHook]) { self.hooks = hooks }

    /// The hooks that can drop something.
    package var blockingHooks: [NetfilterHook] { hooks.filter(\.canDrop) }

    /// The hooks of `family` at `hook` (for example all `bridge` `forward` chains).
    package func hooks(family: String, hook: String) -> [NetfilterHook] {
        hooks.filter { $0.family == family && $0.hook == hook }
    }
}
