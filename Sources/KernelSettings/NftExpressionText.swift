/// Rebuilds nft's rule syntax from libnftables JSON expressions, close enough for a person to find the rule.
enum NftExpressionText {
    /// The statement that makes the rule drop: `drop`, `reject`, or an iptables target such as `REJECT`.
    static func dropVerdict(_ expressions: [JSONValue]) -> String? {
        for expression in expressions {
            guard let (key, value) = expression.onlyEntry else { continue }
            switch key {
            case "drop", "reject": return key
            case "xt" where value["type"]?.string == "target":
                if let name = value["name"]?.string, ["DROP", "REJECT"].contains(name) { return name }
            case "vmap":
                // A verdict map drops for some keys: `meta l4proto vmap { tcp : drop }`.
                if value.compactText.contains("\"drop\":null") { return "drop (verdict map)" }
            default: continue
            }
        }
        return nil
    }

    /// The chains this rule jumps or goes to, directly or through a verdict map.
    static func jumpTargets(_ expressions: [JSONValue]) -> [String] {
        var targets: [String] = []
        func visit(_ value: JSONValue) {
            switch value {
            case .object(let object):
                for (key, inner) in object {
                    if key == "jump" || key == "goto", let target = inner["target"]?.string {
                        targets.append(target)
                    } else {
                        visit(inner)
                    }
                }
            case .array(let values): values.forEach(visit)
            default: return
            }
        }
        expressions.forEach(visit)
        return targets
    }

    /// The rule as nft would print it (`ip saddr 192.0.2.5 counter packets 0 bytes 0 drop`).
    static func render(_ expressions: [JSONValue]) -> String {
        expressions.map(statement).joined(separator: " ")
    }

    static func statement(_ expression: JSONValue) -> String {
        guard let (key, value) = expression.onlyEntry else { return expression.compactText }
        switch key {
        case "match":
            let op = value["op"]?.string ?? "=="
            let left = value["left"].map(operand) ?? "?"
            let right = value["right"].map(operand) ?? "?"
            return op == "==" || op == "in" ? "\(left) \(right)" : "\(left) \(op) \(right)"
        case "counter":
            guard let packets = value["packets"]?.integer, let bytes = value["bytes"]?.integer else {
                return "counter"
            }
            return "counter packets \(packets) bytes \(bytes)"
        case "accept", "drop", "continue", "return": return key
        case "jump", "goto": return "\(key) \(value["target"]?.string ?? "?")"
        case "reject":
            if let type = value["type"]?.string { return "reject with \(type)" }
            return "reject"
        case "xt":
            return "xt \(value["type"]?.string ?? "?") \(value["name"]?.string ?? "?")"
        case "log":
            if let prefix = value["prefix"]?.string { return "log prefix \"\(prefix)\"" }
            return "log"
        case "vmap":
            return "\(value["key"].map(operand) ?? "?") vmap \(value["data"].map(operand) ?? "?")"
        default:
            return "\(key) \(value.compactText)"
        }
    }

    static func operand(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): return text
        case .number, .bool, .null: return value.compactText
        // In nft JSON a bare array inside a set is a map element: [key, value].
        case .array(let values): return values.map(operand).joined(separator: " : ")
        case .object:
            guard let (key, inner) = value.onlyEntry else { return value.compactText }
            switch key {
            case "payload":
                if let proto = inner["protocol"]?.string, let field = inner["field"]?.string {
                    return "\(proto) \(field)"
                }
                return "@\(inner["base"]?.string ?? "?"),\(inner["offset"]?.integer ?? 0),\(inner["len"]?.integer ?? 0)"
            case "meta":
                let name = inner["key"]?.string ?? "?"
                let bare: Set = ["iifname", "oifname", "iif", "oif", "mark", "iiftype", "oiftype"]
                return bare.contains(name) ? name : "meta \(name)"
            case "ct": return "ct \(inner["key"]?.string ?? "?")"
            case "set":
                if let values = inner.array { return "{ " + values.map(operand).joined(separator: ", ") + " }" }
                return operand(inner)
            case "prefix":
                return "\(inner["addr"].map(operand) ?? "?")/\(inner["len"]?.integer ?? 0)"
            case "range":
                let bounds = inner.array ?? []
                return bounds.map(operand).joined(separator: "-")
            case "drop", "accept": return key
            case "jump", "goto": return "\(key) \(inner["target"]?.string ?? "?")"
            default: return "\(key) \(inner.compactText)"
            }
        }
    }
}
