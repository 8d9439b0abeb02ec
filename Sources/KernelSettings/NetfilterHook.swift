/// A rule that drops or rejects, found in a base chain or in a chain it jumps to.
public struct NetfilterRule: Sendable, Hashable, Codable {
    /// The chain that holds the rule (the base chain itself, or a chain reached through jump/goto).
    public var chain: String
    /// nft's rule handle, as `nft -a list ruleset` shows it.
    public var handle: Int
    /// The rule in nft's syntax, rebuilt from the JSON expressions.
    public var text: String
    /// `drop`, `reject`, or the iptables target (`REJECT`, `DROP`).
    public var verdict: String
    public var packets: Int?
    public var bytes: Int?
    public var comment: String?

    public init(
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
public struct NetfilterHook: Sendable, Hashable, Codable {
    /// `bridge`, `arp`, `ip`, `ip6`, `inet` or `netdev`.
    public var family: String
    public var table: String
    public var chain: String
    /// `prerouting`, `input`, `forward`, `output`, `postrouting`, `ingress`, `egress`.
    public var hook: String
    /// `filter`, `nat` or `route`.
    public var type: String
    public var priority: Int
    /// `accept` or `drop`.
    public var policy: String
    public var dropRules: [NetfilterRule]

    public init(
        family: String,
        table: String,
        chain: String,
        hook: String,
        type: String,
        priority: Int,
        policy: String,
        dropRules: [NetfilterRule]
    ) {
        self.family = family
        self.table = table
        self.chain = chain
        self.hook = hook
        self.type = type
        self.priority = priority
        self.policy = policy
        self.dropRules = dropRules
    }

    /// True when the chain can drop something: a drop policy or at least one drop rule.
    public var canDrop: Bool { policy == "drop" || !dropRules.isEmpty }

    /// `bridge filter forward`, as a person would name the hook.
    public var label: String { "\(family) \(table) \(chain) (hook \(hook), policy \(policy))" }
}

/// The base chains of one namespace's ruleset.
public struct NetfilterRuleset: Sendable, Hashable, Codable {
    public var hooks: [NetfilterHook]

    public init(hooks: [NetfilterHook]) { self.hooks = hooks }

    /// The hooks that can drop something.
    public var blockingHooks: [NetfilterHook] { hooks.filter(\.canDrop) }

    /// The hooks of `family` at `hook` (for example all `bridge` `forward` chains).
    public func hooks(family: String, hook: String) -> [NetfilterHook] {
        hooks.filter { $0.family == family && $0.hook == hook }
    }
}
