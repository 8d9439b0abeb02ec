/// A failed rtnetlink exchange or a message that does not parse.
package struct NetlinkError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, for the user.
    package var message: String
    /// The kernel's errno from NLMSG_ERROR or the failed system call, when there is one.
    package var code: Int32?

    /// An error with `message` for the user and the errno behind it, if any.
    package init(_ message: String, code: Int32? = nil) {
        self.message = message
        self.code = code
    }

    package var description: String { message }

    /// A message or attribute shorter than its header says.
    static func truncated(_ what: String) -> NetlinkError {
        NetlinkError("malformed netlink reply: \(what) is truncated")
    }
}
