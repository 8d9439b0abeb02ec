/// The key a Swift property name takes in an lxcdiag JSON document: snake_case (`runID` is `run_id`,
/// `noARP` is `no_arp`, `namespaceIDs` is `namespace_ids`, `namespaceInode` is `namespace_inode`). Names already in snake_case stay as they are.
package func snakeCaseKey(_ name: String) -> String {
    let characters = Array(name)
    var key = ""
    for (position, character) in characters.enumerated() {
        if character.isUppercase, position > 0 {
            let previous = characters[position - 1]
            let next = position + 1 < characters.count ? characters[position + 1] : nil
            // An acronym's plural stays one word: namespaceIDs is namespace_ids.
            let plural = next == "s" && (position + 2 == characters.count || characters[position + 2].isUppercase)
            let startsWord =
                previous.isLowercase || previous.isNumber
                || (previous.isUppercase && next.map(\.isLowercase) == true && !plural)
            if startsWord && previous != "_" { key.append("_") }
        }
        key += character.lowercased()
    }
    return key
}

/// A type whose document keys differ from the snake_case of its property names; iproute2's names for link
/// fields (`ifname`, `ifindex`, `address`, `operstate`), so that `ip -j` users read them at once.
package protocol JSONKeyNaming {
    /// Property name (the coding key's string) to document key, for the properties that do not follow the rule.
    static var jsonKeyNames: [String: String] { get }
}

/// Dictionaries keyed by strings (interface names, node names) keep their keys as they are: data, not names.
protocol StringKeyedEncodable {
    func encodeEntries(into node: TreeNode, at path: [any CodingKey]) throws
}

/// The decoding side of `StringKeyedEncodable`.
protocol StringKeyedDecodable {
    static func decodeEntries(from decoder: TreeDecoder) throws -> Self
}

extension Dictionary: StringKeyedEncodable where Key == String, Value: Encodable {
    func encodeEntries(into node: TreeNode, at path: [any CodingKey]) throws {
        node.members = [:]
        for (key, value) in self {
            let child = TreeNode()
            node.members?[key] = child
            try child.store(value, at: path + [AnyKey(key)])
        }
    }
}

extension Dictionary: StringKeyedDecodable where Key == String, Value: Decodable {
    static func decodeEntries(from decoder: TreeDecoder) throws -> Self {
        guard case .object(let members) = decoder.tree else { throw decoder.mismatch(Self.self) }
        var entries: Self = [:]
        for (key, value) in members {
            entries[key] = try TreeDecoder(tree: value, codingPath: decoder.codingPath + [AnyKey(key)]).value(
                Value.self
            )
        }
        return entries
    }
}

/// A coding key made from a string or an index.
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(_ string: String) { stringValue = string }
    init(stringValue: String) { self.stringValue = stringValue }
    init(intValue: Int) {
        stringValue = String(intValue)
        self.intValue = intValue
    }
}
