internal import CLinuxNet
import Glibc

/// One internal wrapper per system call: retries EINTR and throws `SystemError`.
enum Syscall {
    /// The corresponding C function is `open`.
    static func open(_ path: String, flags: Int32) throws(SystemError) -> Int32 {
        try retryingOnInterrupt("open \(path)") { Glibc.open(path, flags | O_CLOEXEC) }
    }

    /// The corresponding C function is `close`. EINTR is not retried: Linux releases the fd anyway.
    static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }

    /// The corresponding C function is `setns`.
    static func setNetworkNamespace(_ fd: Int32, path: String) throws(SystemError) {
        _ = try retryingOnInterrupt("setns \(path)") { CLinuxNet_setns(fd, CLinuxNet_CLONE_NEWNET()) }
    }

    /// The corresponding C function is `fstat`.
    static func fileStatus(_ fd: Int32, path: String) throws(SystemError) -> stat {
        var status = stat()
        _ = try retryingOnInterrupt("stat \(path)") { fstat(fd, &status) }
        return status
    }

    /// The corresponding C function is `if_nametoindex`.
    static func interfaceIndex(_ name: String) throws(SystemError) -> Int32 {
        let index = CLinuxNet_if_nametoindex(name)
        if index == 0 { throw SystemError.current("find interface \(name)") }
        return Int32(bitPattern: index)
    }

    /// The corresponding C function is `socket(AF_PACKET, SOCK_RAW, protocol)`.
    static func packetSocket(protocol: UInt16, interface: String) throws(SystemError) -> Int32 {
        try retryingOnInterrupt("open packet socket on \(interface)") { CLinuxNet_packet_socket(`protocol`) }
    }

    /// The corresponding C function is `bind` with a `sockaddr_ll`.
    static func bindPacket(_ fd: Int32, index: Int32, protocol: UInt16, interface: String) throws(SystemError) {
        _ = try retryingOnInterrupt("bind packet socket to \(interface)") {
            CLinuxNet_packet_bind(fd, index, `protocol`)
        }
    }

    /// The corresponding C function is `setsockopt(PACKET_AUXDATA)`.
    static func enableAuxiliaryData(_ fd: Int32, interface: String) throws(SystemError) {
        _ = try retryingOnInterrupt("enable PACKET_AUXDATA on \(interface)") { CLinuxNet_packet_enable_auxdata(fd) }
    }

    /// The corresponding C function is `setsockopt(SO_TIMESTAMPNS)`.
    static func enableReceiveTimestamps(_ fd: Int32, interface: String) throws(SystemError) {
        _ = try retryingOnInterrupt("enable SO_TIMESTAMPNS on \(interface)") {
            CLinuxNet_packet_enable_timestamps(fd)
        }
    }

    /// The corresponding C function is `sendto` with a `sockaddr_ll`.
    static func sendFrame(_ fd: Int32, index: Int32, frame: [UInt8], interface: String) throws(SystemError) -> Int {
        try retryingOnInterrupt("send on \(interface)") {
            frame.withUnsafeBytes { CLinuxNet_packet_send(fd, index, $0.baseAddress, $0.count) }
        }
    }

    /// The corresponding C function is `socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)`.
    static func icmpSocket() throws(SystemError) -> Int32 {
        try retryingOnInterrupt("open raw ICMP socket") { CLinuxNet_icmp_socket() }
    }

    /// The corresponding C function is `sendto` with a `sockaddr_in` (`destination` in host byte order).
    static func sendICMP(_ fd: Int32, to destination: UInt32, message: [UInt8], what: String) throws(SystemError) -> Int
    {
        try retryingOnInterrupt(what) {
            message.withUnsafeBytes { CLinuxNet_icmp_send(fd, destination.bigEndian, $0.baseAddress, $0.count) }
        }
    }

    /// The corresponding C function is `recv`; EAGAIN is returned as -1 for the caller to retry.
    static func receive(_ fd: Int32, into buffer: inout [UInt8], what: String) throws(SystemError) -> Int {
        let capacity = buffer.count
        let count = buffer.withUnsafeMutableBytes { CLinuxNet_recv(fd, $0.baseAddress, capacity, Int32(MSG_DONTWAIT)) }
        if count >= 0 { return count }
        let code = CLinuxNet_errno()
        if code == EAGAIN || code == EINTR { return -1 }
        throw SystemError(what, code: code)
    }

    /// The corresponding C function is `poll`; 0 on timeout, 1 readable, 2 woken.
    static func waitReadable(_ fd: Int32, wake: Int32 = -1, timeoutMilliseconds: Int32) throws(SystemError) -> Int32 {
        try retryingOnInterrupt("poll") { CLinuxNet_wait_readable(fd, wake, timeoutMilliseconds) }
    }

    /// The corresponding C function is `pipe2(O_CLOEXEC | O_NONBLOCK)`.
    static func pipe() throws(SystemError) -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        _ = try retryingOnInterrupt("pipe") { fds.withUnsafeMutableBufferPointer { CLinuxNet_pipe($0.baseAddress) } }
        return (fds[0], fds[1])
    }
}

/// Sleeps `nanoseconds` on the monotonic clock, however often signals interrupt the sleep. The corresponding C
/// function is `nanosleep`.
package func sleepNanoseconds(_ nanoseconds: UInt64) {
    let end = nanoseconds > UInt64.max - monotonicNanoseconds() ? UInt64.max : monotonicNanoseconds() + nanoseconds
    while true {
        let now = monotonicNanoseconds()
        guard now < end else { return }
        let remaining = end - now
        var request = timespec(tv_sec: Int(remaining / 1_000_000_000), tv_nsec: Int(remaining % 1_000_000_000))
        _ = nanosleep(&request, nil)
    }
}

/// Monotonic time in nanoseconds, for deadlines and durations.
package func monotonicNanoseconds() -> UInt64 { CLinuxNet_monotonic_ns() }

/// Wall-clock time in nanoseconds since the epoch, the clock libpcap stamps frames with.
package func realtimeNanoseconds() -> UInt64 { CLinuxNet_realtime_ns() }

/// Whether this process runs with an effective uid of 0.
package var isRunningAsRoot: Bool { geteuid() == 0 }
