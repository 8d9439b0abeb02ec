package import Foundation

/// Turns `nft -j list ruleset` (libnftables' JSON schema) into the base chains and their drop rules.
package enum NftRulesetParser {
    /// Parses the JSON document nft prints.
    package static func parse(_ data: Data) throws(KernelSettingsError) -> NetfilterRuleset {
        let document: JSONValue
        do {
            document = try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw KernelSettingsError(subject: "nft -j list ruleset output", reason: "not JSON: \(error)")
        }
        guard let items = document["nftables"]?.array else {
            throw KernelSettingsError(subject: "nft -j list ruleset output", reason: "no \"nftables\" array")
        }
        var chains: [JSONValue] = []
        var rulesByChain: [ChainKey: [JSONValue]] = [:]
        for item in items {
            if let chain = item["chain"] {
                chains.append(chain)
            } else if let rule = item["rule"], let key = ChainKey(rule, nameKey: "chain") {
                rulesByChain[key, default: []].append(rule)
            }
        }
        var hooks: [NetfilterHook] = []
        for chain in chains {
            guard let hook = chain["hook"]?.string, let key = ChainKey(chain, nameKey: "name") else { continue }
            let policy = chain["policy"]?.string ?? "accept"
            hooks.append(
                NetfilterHook(
                    family: key.family,
                    table: key.table,
                    chain: key.chain,
                    hook: hook,
                    type: chain["type"]?.string ?? "filter",
                    priority: chain["prio"]?.integer ?? 0,
                    policy: policy,
                    dropRules: dropRules(reachableFrom: key, rulesByChain: rulesByChain),
                    bridgedTrafficAccepted: BridgedTrafficVerdict.acceptedBridges(
                        from: key,
                        policy: policy,
                        rulesByChain: rulesByChain
                    )
                )
            )
        }
        return NetfilterRuleset(hooks: hooks)
    }

    /// The drop rules of `start` and of every chain it jumps or goes to, in traversal order.
    static func dropRules(reachableFrom start: ChainKey, rulesByChain: [ChainKey: [JSONValue]]) -> [NetfilterRule] {
        var visited: Set<ChainKey> = []
        var queue = [start]
        var found: [NetfilterRule] = []
        while let key = queue.first {
            queue.removeFirst()
            guard visited.insert(key).inserted else { continue }
            for rule in rulesByChain[key] ?? [] {
                let expressions = rule["expr"]?.array ?? []
                for target in NftExpressionText.jumpTargets(expressions) {
                    queue.append(ChainKey(family: key.family, table: key.table, chain: target))
                }
                guard let verdict = NftExpressionText.dropVerdict(expressions) else { continue }
                let counter = expressions.lazy.compactMap { $0["counter"] }.first
                found.append(
                    NetfilterRule(
                        chain: key.chain,
                        handle: rule["handle"]?.integer ?? 0,
                        text: NftExpressionText.render(expressions),
                        verdict: verdict,
                        packets: counter?["packets"]?.integer,
                        bytes: counter?["bytes"]?.integer,
                        comment: rule["comment"]?.string
                    )
                )
            }
        }
        return found
    }
}

/// A chain's full name: family, table and chain.
struct ChainKey: Hashable {
    var family: String
    var table: String
    var chain: String

    init(family: String, table: String, chain: String) {
        self.family = family
        self.table = table
        self.chain = chain
    }

    init?(_ object: JSONValue, nameKey: String) {
        guard let family = object["family"]?.string, let table = object["table"]?.string,
            let chain = object[nameKey]?.string
        else { return nil }
        self.init(family: family, table: table, chain: chain)
    }
}
