/// Which bridges' own traffic a base chain lets through before anything in it could drop it.
///
/// With br_netfilter on, frames a bridge forwards between two of its ports pass the FORWARD chain with
/// `iifname` and `oifname` both the bridge. Docker and Podman hosts keep a FORWARD policy of drop and accept
/// that traffic with `iifname br0 oifname br0 accept` after their own chains; the same rule is the remedy
/// lxcdiag prints. The chain is walked in evaluation order (a jump is followed where it stands, `return` ends
/// the chain) and every rule is judged only by its `iifname`/`oifname` matches: a rule those matches exclude
/// is skipped, a rule with no other condition decides, and a rule with other conditions (addresses,
/// conntrack, an iptables match) might apply, so a drop there is a possible drop and an accept there is not
/// counted on.
enum BridgedTrafficVerdict {
    /// How far a walk through a chain got for one bridge's traffic.
    enum Outcome: Equatable {
        /// An accept that applies to all of it was reached first.
        case accepted
        /// A rule that can drop some of it was reached first.
        case mayDrop
        /// The chain ended (or returned) with neither.
        case fallsThrough
    }

    /// The names X for which traffic in X and out X is accepted before any rule could drop it (or falls through
    /// to an accept policy), sorted. Candidates are the names the reachable rules match with `iifname ==`.
    static func acceptedBridges(
        from start: ChainKey,
        policy: String,
        rulesByChain: [ChainKey: [JSONValue]]
    ) -> [String] {
        var candidates: Set<String> = []
        var visited: Set<ChainKey> = []
        var queue = [start]
        while let key = queue.popLast() {
            guard visited.insert(key).inserted else { continue }
            for rule in rulesByChain[key] ?? [] {
                let expressions = rule["expr"]?.array ?? []
                candidates.formUnion(
                    interfaceMatches(expressions).filter { $0.key == "iifname" && $0.equal }.map(\.name)
                )
                queue += NftExpressionText.jumpTargets(expressions).map {
                    ChainKey(family: key.family, table: key.table, chain: $0)
                }
            }
        }
        return candidates.filter { name in
            switch walk(start, bridge: name, rulesByChain: rulesByChain, depth: 0) {
            case .accepted: return true
            case .mayDrop: return false
            case .fallsThrough: return policy != "drop"
            }
        }.sorted()
    }

    /// Walks `chain` for traffic in and out of `bridge`, in rule order, into the chains it jumps to.
    static func walk(_ chain: ChainKey, bridge: String, rulesByChain: [ChainKey: [JSONValue]], depth: Int) -> Outcome {
        // nft itself refuses loops and limits jumps; the bound keeps a malformed document from recursing forever.
        guard depth < 16 else { return .mayDrop }
        for rule in rulesByChain[chain] ?? [] {
            let expressions = rule["expr"]?.array ?? []
            let applies = applicability(expressions, to: bridge)
            if applies == .never { continue }
            if NftExpressionText.dropVerdict(expressions) != nil { return .mayDrop }
            for target in NftExpressionText.jumpTargets(expressions) {
                let inner = walk(
                    ChainKey(family: chain.family, table: chain.table, chain: target),
                    bridge: bridge,
                    rulesByChain: rulesByChain,
                    depth: depth + 1
                )
                if inner == .mayDrop { return .mayDrop }
                if inner == .accepted && applies == .always { return .accepted }
            }
            guard applies == .always else { continue }
            if expressions.contains(where: { $0.onlyEntry?.key == "accept" }) { return .accepted }
            // `return`, and a `goto` whose chain fell through, end this chain for that traffic.
            if expressions.contains(where: { ["return", "goto"].contains($0.onlyEntry?.key) }) { return .fallsThrough }
        }
        return .fallsThrough
    }

    /// Whether a rule's conditions hold for all, none or maybe some of a bridge's own traffic.
    enum Applicability: Equatable { case always, never, maybe }

    /// Judges a rule by its `iifname`/`oifname` matches against `bridge` (both in and out).
    static func applicability(_ expressions: [JSONValue], to bridge: String) -> Applicability {
        var result = Applicability.always
        for expression in expressions {
            guard let (key, value) = expression.onlyEntry else { return .maybe }
            switch key {
            case "counter", "accept", "drop", "reject", "jump", "goto", "return", "continue", "log", "comment":
                continue
            case "xt" where value["type"]?.string == "target":
                continue
            case "match":
                guard let match = interfaceMatch(value) else {
                    result = .maybe
                    continue
                }
                if match.matches(bridge) != match.equal { return .never }
            default:
                result = .maybe
            }
        }
        return result
    }

    /// An `iifname`/`oifname` comparison with a name (`br*` is a prefix, as nft writes wildcards).
    struct InterfaceMatch {
        var key: String
        var equal: Bool
        var name: String

        func matches(_ interface: String) -> Bool {
            name.hasSuffix("*") ? interface.hasPrefix(name.dropLast()) : interface == name
        }
    }

    static func interfaceMatch(_ match: JSONValue) -> InterfaceMatch? {
        guard let key = match["left"]?["meta"]?["key"]?.string, key == "iifname" || key == "oifname",
            let name = match["right"]?.string
        else { return nil }
        switch match["op"]?.string ?? "==" {
        case "==": return InterfaceMatch(key: key, equal: true, name: name)
        case "!=": return InterfaceMatch(key: key, equal: false, name: name)
        default: return nil
        }
    }

    static func interfaceMatches(_ expressions: [JSONValue]) -> [InterfaceMatch] {
        expressions.compactMap { expression in
            guard let (key, value) = expression.onlyEntry, key == "match" else { return nil }
            return interfaceMatch(value)
        }
    }
}
