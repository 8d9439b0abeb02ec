import Foundation

/// Finds the JSON documents an engine keeps inside a bolt database (Docker's network/files/local-kv.db,
/// Podman's bolt_state.db) without a bolt reader: bolt stores each value's bytes whole, within a page or in
/// contiguous overflow pages, so every value that is a JSON object appears as one balanced `{...}` run.
/// Freed pages may still hold an old value; callers look values up by id, which engines never reuse.
enum EngineStateJSON {
    /// Every top-level JSON object in `bytes` that decodes, in file order.
    static func objects(in bytes: [UInt8], maximumLength: Int = 1 << 20) -> [[String: Any]] {
        var found: [[String: Any]] = []
        var index = 0
        while index + 1 < bytes.count {
            guard bytes[index] == UInt8(ascii: "{"), bytes[index + 1] == UInt8(ascii: "\"") else {
                index += 1
                continue
            }
            guard let end = balancedEnd(bytes, from: index, limit: maximumLength),
                let object = try? JSONSerialization.jsonObject(with: Data(bytes[index...end])) as? [String: Any]
            else {
                index += 1
                continue
            }
            found.append(object)
            index = end + 1
        }
        return found
    }

    /// The index of the `}` closing the object that opens at `start`, skipping strings; nil when it does not close.
    private static func balancedEnd(_ bytes: [UInt8], from start: Int, limit: Int) -> Int? {
        var depth = 0
        var inString = false
        var escaped = false
        var index = start
        let end = min(bytes.count, start + limit)
        while index < end {
            let byte = bytes[index]
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                } else if byte < 0x20 {
                    return nil  // a control byte: bolt's page bytes, not JSON
                }
            } else {
                switch byte {
                case UInt8(ascii: "\""): inString = true
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { return byte == UInt8(ascii: "}") ? index : nil }
                case 0x20, 0x09, 0x0a, 0x0d, 0x2c, 0x3a: break
                case 0x21...0x7e: break
                default: return nil
                }
            }
            index += 1
        }
        return nil
    }
}
