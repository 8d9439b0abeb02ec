import Glibc

/// A pipe whose only job is to wake a thread blocked in `poll`, so blocking loops stop at once.
/// Safe to share: `signal` is one `write` of one byte, which the kernel makes atomic.
package final class WakePipe: @unchecked Sendable {
    /// The end to include in a `poll` set.
    package let readDescriptor: Int32
    private let writeDescriptor: Int32

    package init() throws(SystemError) {
        let fds = try Syscall.pipe()
        readDescriptor = fds.read
        writeDescriptor = fds.write
    }

    deinit {
        Syscall.close(readDescriptor)
        Syscall.close(writeDescriptor)
    }

    /// Wakes the waiting thread; later waits return at once too.
    package func signal() {
        var byte: UInt8 = 1
        _ = write(writeDescriptor, &byte, 1)
    }

    /// Waits until `descriptor` is readable (`.readable`), the pipe is signalled (`.woken`) or the timeout passes.
    package func wait(for descriptor: Int32, timeoutMilliseconds: Int32) throws(SystemError) -> WaitResult {
        switch try Syscall.waitReadable(descriptor, wake: readDescriptor, timeoutMilliseconds: timeoutMilliseconds) {
        case 0: .timedOut
        case 2: .woken
        default: .readable
        }
    }

    package enum WaitResult: Sendable { case readable, woken, timedOut }
}
