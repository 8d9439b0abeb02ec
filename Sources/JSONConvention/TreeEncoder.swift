/// One value being encoded; containers fill it in as the value's `encode(to:)` runs.
final class TreeNode {
    var value: JSONTree?
    var members: [String: TreeNode]?
    var elements: [TreeNode]?

    var tree: JSONTree {
        if let members { return .object(members.mapValues(\.tree)) }
        if let elements { return .array(elements.map(\.tree)) }
        return value ?? .null
    }

    /// Encodes `value` into this node with the naming its type asks for.
    func store<T: Encodable>(_ value: T, at path: [any CodingKey]) throws {
        if let dictionary = value as? any StringKeyedEncodable {
            return try dictionary.encodeEntries(into: self, at: path)
        }
        let naming = (T.self as? any JSONKeyNaming.Type)?.jsonKeyNames ?? [:]
        try value.encode(to: TreeEncoder(node: self, codingPath: path, naming: naming))
    }
}

/// The encoder behind every lxcdiag `--json`: snake_case keys, `null` for an absent optional (never a missing
/// key), string-keyed dictionaries' keys as they are.
struct TreeEncoder: Encoder {
    let node: TreeNode
    let codingPath: [any CodingKey]
    let naming: [String: String]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if node.members == nil { node.members = [:] }
        return KeyedEncodingContainer(KeyedTreeContainer<Key>(node: node, codingPath: codingPath, naming: naming))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if node.elements == nil { node.elements = [] }
        return UnkeyedTreeContainer(node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleTreeContainer(node: node, codingPath: codingPath)
    }
}

private func number(_ value: some BinaryInteger) -> JSONTree { .number(String(value)) }
private func number(_ value: Double) -> JSONTree { value.isFinite ? .number("\(value)") : .null }

struct KeyedTreeContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: TreeNode
    let codingPath: [any CodingKey]
    let naming: [String: String]

    private func child(_ key: Key) -> TreeNode {
        let child = TreeNode()
        node.members?[naming[key.stringValue] ?? snakeCaseKey(key.stringValue)] = child
        return child
    }

    private func put(_ tree: JSONTree, _ key: Key) { child(key).value = tree }

    mutating func encodeNil(forKey key: Key) throws { put(.null, key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { put(.bool(value), key) }
    mutating func encode(_ value: String, forKey key: Key) throws { put(.string(value), key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { put(number(value), key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { put(number(Double(value)), key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { put(number(value), key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { put(number(value), key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { put(number(value), key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { put(number(value), key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { put(number(value), key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { put(number(value), key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { put(number(value), key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { put(number(value), key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { put(number(value), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { put(number(value), key) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try child(key).store(value, at: codingPath + [key])
    }

    // The rule: an absent value is `null`; the key is always there.
    mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws {
        put(value.map(JSONTree.bool) ?? .null, key)
    }
    mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws {
        put(value.map(JSONTree.string) ?? .null, key)
    }
    mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws { put(value.map(number) ?? .null, key) }
    mutating func encodeIfPresent(_ value: Float?, forKey key: Key) throws {
        put(value.map { number(Double($0)) } ?? .null, key)
    }
    mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws { put(value.map(number) ?? .null, key) }
    mutating func encodeIfPresent(_ value: Int8?, forKey key: Key) throws { put(value.map(number) ?? .null, key) }
    mutating func encodeIfPresent(_ value: Int16?, forKey key: Key) throws { put(value.map(number) ?? .null, key) }
    mutating func encodeIfPresent(_ value: Int32?, forKey key: Key) throws { put(value.map(number) ?? .null, key) }
    mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws { put(value.map(number) ?? .null, key) }
    mutating func encodeIfPresent(_ value: UInt?, forKey key: Key) throws { put(value.map(number) ?? .null, key) }
    mutating func encodeIfPresent(_ value: UInt8?, forKey key: Key) throws { put(value.map(number) ?? .null, key) }
    mutating func encodeIfPresent(_ value: UInt16?, forKey key: Key) throws { put(value.map(number) ?? .null, key) }
    mutating func encodeIfPresent(_ value: UInt32?, forKey key: Key) throws { put(value.map(number) ?? .null, key) }
    mutating func encodeIfPresent(_ value: UInt64?, forKey key: Key) throws { put(value.map(number) ?? .null, key) }
    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { put(.null, key) }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type,
        forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        TreeEncoder(node: child(key), codingPath: codingPath + [key], naming: [:]).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        TreeEncoder(node: child(key), codingPath: codingPath + [key], naming: [:]).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        TreeEncoder(node: child(Key(stringValue: "super")!), codingPath: codingPath, naming: [:])
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        TreeEncoder(node: child(key), codingPath: codingPath + [key], naming: [:])
    }
}

struct UnkeyedTreeContainer: UnkeyedEncodingContainer {
    let node: TreeNode
    let codingPath: [any CodingKey]
    var count: Int { node.elements?.count ?? 0 }

    private func next() -> TreeNode {
        let child = TreeNode()
        node.elements?.append(child)
        return child
    }

    private func put(_ tree: JSONTree) { next().value = tree }

    mutating func encodeNil() throws { put(.null) }
    mutating func encode(_ value: Bool) throws { put(.bool(value)) }
    mutating func encode(_ value: String) throws { put(.string(value)) }
    mutating func encode(_ value: Double) throws { put(number(value)) }
    mutating func encode(_ value: Float) throws { put(number(Double(value))) }
    mutating func encode(_ value: Int) throws { put(number(value)) }
    mutating func encode(_ value: Int8) throws { put(number(value)) }
    mutating func encode(_ value: Int16) throws { put(number(value)) }
    mutating func encode(_ value: Int32) throws { put(number(value)) }
    mutating func encode(_ value: Int64) throws { put(number(value)) }
    mutating func encode(_ value: UInt) throws { put(number(value)) }
    mutating func encode(_ value: UInt8) throws { put(number(value)) }
    mutating func encode(_ value: UInt16) throws { put(number(value)) }
    mutating func encode(_ value: UInt32) throws { put(number(value)) }
    mutating func encode(_ value: UInt64) throws { put(number(value)) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        try next().store(value, at: codingPath + [AnyKey(intValue: count)])
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type
    ) -> KeyedEncodingContainer<
        NestedKey
    > {
        TreeEncoder(node: next(), codingPath: codingPath, naming: [:]).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        TreeEncoder(node: next(), codingPath: codingPath, naming: [:]).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { TreeEncoder(node: next(), codingPath: codingPath, naming: [:]) }
}

struct SingleTreeContainer: SingleValueEncodingContainer {
    let node: TreeNode
    let codingPath: [any CodingKey]

    mutating func encodeNil() throws { node.value = .null }
    mutating func encode(_ value: Bool) throws { node.value = .bool(value) }
    mutating func encode(_ value: String) throws { node.value = .string(value) }
    mutating func encode(_ value: Double) throws { node.value = number(value) }
    mutating func encode(_ value: Float) throws { node.value = number(Double(value)) }
    mutating func encode(_ value: Int) throws { node.value = number(value) }
    mutating func encode(_ value: Int8) throws { node.value = number(value) }
    mutating func encode(_ value: Int16) throws { node.value = number(value) }
    mutating func encode(_ value: Int32) throws { node.value = number(value) }
    mutating func encode(_ value: Int64) throws { node.value = number(value) }
    mutating func encode(_ value: UInt) throws { node.value = number(value) }
    mutating func encode(_ value: UInt8) throws { node.value = number(value) }
    mutating func encode(_ value: UInt16) throws { node.value = number(value) }
    mutating func encode(_ value: UInt32) throws { node.value = number(value) }
    mutating func encode(_ value: UInt64) throws { node.value = number(value) }
    mutating func encode<T: Encodable>(_ value: T) throws { try node.store(value, at: codingPath) }
}
