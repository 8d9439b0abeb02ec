internal import CLinuxNet
import Glibc

/// A failed system call: which operation on which object, and the `errno` it returned.
package struct SystemError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was being done, such as `setns /run/netns/ct1` or `bind br0`.
    package var operation: String
    /// The raw `errno` value.
    package var code: Int32

    package init(_ operation: String, code: Int32) {
        self.operation = operation
        self.code = code
    }

    /// The error for the calling thread's current `errno`.
    static func current(_ operation: String) -> SystemError {
        SystemError(operation, code: CLinuxNet_errno())
    }

    /// The permission errors that mean "run as root or grant CAP_NET_ADMIN/CAP_NET_RAW".
    package var isPermissionDenied: Bool { code == EPERM || code == EACCES }

    /// The errors that mean the interface or namespace does not exist (any more).
    package var isNoSuchDevice: Bool { code == ENODEV || code == ENXIO || code == ENOENT }

    /// The error a connect reads when the kernel's ARP for the target failed: no answer, after the probe left.
    package var isHostUnreachable: Bool { code == EHOSTUNREACH }

    package var description: String {
        "\(operation): \(String(cString: strerror(code)))"
    }

    package static let interrupted: Int32 = EINTR
}

/// Retries `body` while it fails with EINTR, and turns -1 into a `SystemError`.
@inline(__always)
func retryingOnInterrupt<T: FixedWidthInteger>(
    _ operation: @autoclosure () -> String,
    _ body: () -> T
) throws(SystemError) -> T {
    while true {
        let result = body()
        if result != -1 { return result }
        let code = CLinuxNet_errno()
        if code == EINTR { continue }
        throw SystemError(operation(), code: code)
    }
}
