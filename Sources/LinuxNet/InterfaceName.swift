/// The kernel's rule for network interface names (`dev_valid_name` in net/core/dev.c), so that a name given by a
/// user is refused with one line before it reaches a netlink request, an `ip` command or a tracefs filter.
public enum InterfaceName {
    /// IFNAMSIZ minus the terminating NUL.
    public static let longest = 15

    /// Whether `name` can name an interface: 1 to 15 bytes, not `.` or `..`, no `/`, `:` or white space, and
    /// (stricter than the kernel, as iproute2 users expect) printable ASCII without quotes or backslashes.
    public static func isValid(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty, bytes.count <= longest, name != ".", name != ".." else { return false }
        return bytes.allSatisfy { byte in
            byte > 0x20 && byte < 0x7f && !"/:\"'\\`".utf8.contains(byte)
        }
    }
}
