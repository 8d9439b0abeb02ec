/// Reads an lxcdiag document back into the types that wrote it: the inverse of `TreeEncoder` (snake_case keys,
/// `null` or a missing key for an absent optional, string-keyed dictionaries' keys as they are).
struct TreeDecoder: Decoder {
    let tree: JSONTree
    let codingPath: [any CodingKey]
    var naming: [String: String] = [:]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func mismatch(_ type: Any.Type) -> DecodingError {
        DecodingError.typeMismatch(
            type,
            DecodingError.Context(codingPath: codingPath, debugDescription: "expected \(type), found \(tree)")
        )
    }

    /// Decodes a `T` from this decoder's value with the naming `T` asks for.
    func value<T: Decodable>(_ type: T.Type) throws -> T {
        if let dictionary = type as? any StringKeyedDecodable.Type {
            // The cast cannot fail: `dictionary` is `T.Type`.
            return try dictionary.decodeEntries(from: self) as! T
        }
        var decoder = self
        decoder.naming = (type as? any JSONKeyNaming.Type)?.jsonKeyNames ?? [:]
        return try T(from: decoder)
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = tree else { throw mismatch([String: Any].self) }
        return KeyedDecodingContainer(
            KeyedTreeDecodingContainer<Key>(members: members, codingPath: codingPath, naming: naming)
        )
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let elements) = tree else { throw mismatch([Any].self) }
        return UnkeyedTreeDecodingContainer(elements: elements, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }
}

extension TreeDecoder: SingleValueDecodingContainer {
    func decodeNil() -> Bool { tree == .null }

    func decode(_ type: Bool.Type) throws -> Bool {
        guard case .bool(let value) = tree else { throw mismatch(type) }
        return value
    }

    func decode(_ type: String.Type) throws -> String {
        guard case .string(let value) = tree else { throw mismatch(type) }
        return value
    }

    private func parsed<T>(_ type: T.Type, _ parse: (String) -> T?) throws -> T {
        guard case .number(let text) = tree, let value = parse(text) else { throw mismatch(type) }
        return value
    }

    func decode(_ type: Double.Type) throws -> Double { try parsed(type) { Double($0) } }
    func decode(_ type: Float.Type) throws -> Float { try parsed(type) { Float($0) } }
    func decode(_ type: Int.Type) throws -> Int { try parsed(type) { Int($0) } }
    func decode(_ type: Int8.Type) throws -> Int8 { try parsed(type) { Int8($0) } }
    func decode(_ type: Int16.Type) throws -> Int16 { try parsed(type) { Int16($0) } }
    func decode(_ type: Int32.Type) throws -> Int32 { try parsed(type) { Int32($0) } }
    func decode(_ type: Int64.Type) throws -> Int64 { try parsed(type) { Int64($0) } }
    func decode(_ type: UInt.Type) throws -> UInt { try parsed(type) { UInt($0) } }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try parsed(type) { UInt8($0) } }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try parsed(type) { UInt16($0) } }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try parsed(type) { UInt32($0) } }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try parsed(type) { UInt64($0) } }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try value(type) }
}

struct KeyedTreeDecodingContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let members: [String: JSONTree]
    let codingPath: [any CodingKey]
    let naming: [String: String]

    private func name(_ key: Key) -> String { naming[key.stringValue] ?? snakeCaseKey(key.stringValue) }

    /// The keys present, as the type names them: a document key is matched against the names the type's keys
    /// take (`Key(stringValue:)` with the key itself, then with the renamed property).
    var allKeys: [Key] {
        let renamed = Dictionary(naming.map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        return members.keys.compactMap { key in
            Key(stringValue: renamed[key] ?? key) ?? Key(stringValue: lowerCamelCase(key))
        }
    }

    func contains(_ key: Key) -> Bool { members[name(key)] != nil }

    private func decoder(_ key: Key) throws -> TreeDecoder {
        guard let tree = members[name(key)] else {
            throw DecodingError.keyNotFound(
                key,
                DecodingError.Context(codingPath: codingPath, debugDescription: "no key \(name(key))")
            )
        }
        return TreeDecoder(tree: tree, codingPath: codingPath + [key])
    }

    func decodeNil(forKey key: Key) throws -> Bool { (members[name(key)] ?? .null) == .null }
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try decoder(key).decode(type) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try decoder(key).decode(type) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try decoder(key).decode(type) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try decoder(key).decode(type) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try decoder(key).decode(type) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try decoder(key).decode(type) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try decoder(key).decode(type) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try decoder(key).decode(type) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try decoder(key).decode(type) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try decoder(key).decode(type) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try decoder(key).decode(type) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try decoder(key).decode(type) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try decoder(key).decode(type) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try decoder(key).decode(type) }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try decoder(key).value(type) }

    func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type,
        forKey key: Key
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try decoder(key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try decoder(key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder { try decoder(Key(stringValue: "super")!) }
    func superDecoder(forKey key: Key) throws -> any Decoder { try decoder(key) }
}

struct UnkeyedTreeDecodingContainer: UnkeyedDecodingContainer {
    let elements: [JSONTree]
    let codingPath: [any CodingKey]
    var currentIndex = 0
    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    private mutating func next() throws -> TreeDecoder {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(
                Any.self,
                DecodingError.Context(codingPath: codingPath, debugDescription: "array ends at \(currentIndex)")
            )
        }
        defer { currentIndex += 1 }
        return TreeDecoder(tree: elements[currentIndex], codingPath: codingPath + [AnyKey(intValue: currentIndex)])
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, elements[currentIndex] == .null else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try next().decode(type) }
    mutating func decode(_ type: String.Type) throws -> String { try next().decode(type) }
    mutating func decode(_ type: Double.Type) throws -> Double { try next().decode(type) }
    mutating func decode(_ type: Float.Type) throws -> Float { try next().decode(type) }
    mutating func decode(_ type: Int.Type) throws -> Int { try next().decode(type) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try next().decode(type) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try next().decode(type) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try next().decode(type) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try next().decode(type) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try next().decode(type) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try next().decode(type) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try next().decode(type) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try next().decode(type) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try next().decode(type) }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next().value(type) }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try next().container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try next().unkeyedContainer() }
    mutating func superDecoder() throws -> any Decoder { try next() }
}

/// `no_arp` as `noArp`: the best guess for a document key no type key matched by its own spelling.
func lowerCamelCase(_ key: String) -> String {
    let words = key.split(separator: "_")
    guard let first = words.first else { return key }
    return String(first) + words.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
}
