import Glibc

/// A safety catch for test runs: refuses to open a sending socket in one named network namespace.
///
/// `probes/check.sh` sets `LXCDIAG_REFUSE_SENDING_IN_NETNS` to the inode of the namespace the tests start
/// in (the machine's own, with its real uplink), so that no test can send a probe there, even by mistake
/// through an endpoint that resolves to "where lxcdiag runs". Unset, it does nothing.
package enum SendingGuard {
    /// The environment variable holding the inode of the namespace where nothing may be sent.
    package static let variable = "LXCDIAG_REFUSE_SENDING_IN_NETNS"

    /// Throws when the calling thread's network namespace is the one the variable names.
    package static func check(_ what: String) throws(SystemError) {
        guard let text = getenv(variable).map({ String(cString: $0) }), let forbidden = UInt64(text) else { return }
        var status = stat()
        guard stat("/proc/thread-self/ns/net", &status) == 0 else { return }
        if UInt64(status.st_ino) == forbidden {
            throw SystemError(
                "\(what): refusing to send in the namespace \(variable) names (inode \(forbidden))",
                code: ECANCELED
            )
        }
    }
}
