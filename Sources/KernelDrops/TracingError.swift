import Glibc

/// Why the kernel's drop account cannot be recorded; the trace goes on without it and says so.
package struct TracingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, in terms of what the user can change.
    package enum Kind: Sendable, Hashable {
        /// Not root, or tracefs refuses this user.
        case permissionDenied
        /// tracefs is not mounted and could not be mounted.
        case notMounted
        /// The kernel lacks a tracepoint the recorder needs (`skb/kfree_skb`, `net/netif_receive_skb`, ...).
        case noSuchEvent
        /// Any other failed operation on a tracefs file.
        case failed
        /// A frame length or interface name that cannot go into a kernel filter: the caller's mistake.
        case invalidSignature
    }

    package var kind: Kind
    /// The file, event or operation concerned, such as `events/skb/kfree_skb` or `mkdir instances/lxcdiag-1-ab`.
    package var subject: String
    /// The `errno` behind it, or 0.
    package var code: Int32

    package init(_ kind: Kind, _ subject: String, code: Int32 = 0) {
        self.kind = kind
        self.subject = subject
        self.code = code
    }

    /// The error for `errno` after an operation on tracefs failed.
    static func system(_ subject: String, code: Int32) -> TracingError {
        TracingError(code == EPERM || code == EACCES ? .permissionDenied : .failed, subject, code: code)
    }

    package var description: String {
        let cause = code == 0 ? "" : ": \(String(cString: strerror(code)))"
        switch kind {
        case .permissionDenied:
            return "kernel drop reasons unavailable: \(subject)\(cause) (run as root to record them)"
        case .notMounted:
            return
                "kernel drop reasons unavailable: tracefs is not mounted and mounting it failed (\(subject)\(cause));"
                + " mount it with `mount -t tracefs nodev /sys/kernel/tracing`"
        case .noSuchEvent:
            return "kernel drop reasons unavailable: this kernel has no \(subject) tracepoint"
        case .failed:
            return "kernel drop reasons unavailable: \(subject)\(cause)"
        case .invalidSignature:
            return "kernel drop reasons unavailable: \(subject)"
        }
    }
}
