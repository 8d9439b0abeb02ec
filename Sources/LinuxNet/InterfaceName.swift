/// The rule for network interface names a user gives, so that one is refused with one line before it reaches a
/// netlink request, an `ip` command or a tracefs filter.
///
/// The kernel's rule (`dev_valid_name` in net/core/dev.c): 1 to 15 bytes, not `.` or `..`, no `/`, `:` or white
/// space. Stricter, for what the names are pasted into: no quotes or backslash (a tracefs filter's quoted string
/// has no escapes), no control characters, and no `*`, `?`, `[` or `]` (which make `name == "..."` a glob there).
package enum InterfaceName {
    /// IFNAMSIZ minus the terminating NUL.
    package static let longest = 15

    /// Why `name` cannot name an interface, or nil when it can.
    package static func problem(_ name: String) -> String? {
        let bytes = name.utf8.count
        if bytes == 0 { return "it is empty" }
        if name == "." || name == ".." { return "the kernel reserves it" }
        for scalar in name.unicodeScalars {
            switch scalar {
            case "/", ":": return "it contains '\(scalar)'"
            case "\"", "'", "\\": return "it contains a quote or backslash"
            case "*", "?", "[", "]": return "it contains the glob character '\(scalar)'"
            default:
                if scalar.properties.isWhitespace { return "it contains whitespace" }
                if scalar.value < 0x20 || (0x7f...0x9f).contains(scalar.value) {
                    return "it contains a control character"
                }
            }
        }
        if bytes > longest { return "it is \(bytes) bytes long, the kernel allows \(longest)" }
        return nil
    }

    /// Whether `name` can name an interface (`problem` is nil).
    package static func isValid(_ name: String) -> Bool { problem(name) == nil }

    /// The index of interface `name` in the calling thread's network namespace, nil when there is none there.
    /// The corresponding C function is `if_nametoindex`.
    package static func index(of name: String) -> Int32? { try? Syscall.interfaceIndex(name) }
}
