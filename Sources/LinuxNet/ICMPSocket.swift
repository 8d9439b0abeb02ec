import Glibc

/// An ICMP datagram as a raw ICMP socket received it: the IPv4 packet, header included.
package struct ReceivedDatagram: Sendable {
    /// The IPv4 packet, its header first.
    package var bytes: [UInt8]
    /// Wall-clock receive time in nanoseconds since the epoch (as read on return from `recv`).
    package var receivedAtNs: UInt64
}

/// A raw IPv4 ICMP socket, opened in the namespace of the calling thread: what `ping` uses.
///
/// What it sends goes through that namespace's own stack: the route lookup, the neighbour cache, the
/// netfilter OUTPUT hook; what it receives has passed rp_filter and the INPUT hook. Open it inside
/// `withNetworkNamespace`; the socket stays in that namespace and may be used from any thread.
/// Safe to share: `send` is a single syscall, and `receive` is meant for one reader at a time (documented).
package final class ICMPSocket: @unchecked Sendable {
    private let fd: Int32

    /// Opens the socket; refused where `SendingGuard` forbids sending.
    package init() throws(SystemError) {
        try SendingGuard.check("raw ICMP socket")
        fd = try Syscall.icmpSocket()
    }

    deinit { Syscall.close(fd) }

    /// Sends one ICMP message (header and checksum included) to `destination` (an IPv4 address as a host-order
    /// integer); the kernel writes the IPv4 header and routes it.
    package func send(_ message: [UInt8], to destination: UInt32) throws(SystemError) {
        let sent = try Syscall.sendICMP(fd, to: destination, message: message, what: "send an ICMP echo request")
        if sent != message.count { throw SystemError("short ICMP send", code: EMSGSIZE) }
    }

    /// Waits until `deadlineNs` (monotonic) for one datagram; nil when none arrived in time.
    package func receive(deadlineNs: UInt64, capacity: Int = 65_536) throws(SystemError) -> ReceivedDatagram? {
        var buffer = [UInt8](repeating: 0, count: capacity)
        while true {
            let now = monotonicNanoseconds()
            if now >= deadlineNs { return nil }
            let waitMs = Int32(clamping: (deadlineNs - now + 999_999) / 1_000_000)
            if try Syscall.waitReadable(fd, timeoutMilliseconds: waitMs) == 0 { continue }
            let count = try Syscall.receive(fd, into: &buffer, what: "receive on the raw ICMP socket")
            if count < 0 { continue }
            return ReceivedDatagram(bytes: Array(buffer[0..<min(count, capacity)]), receivedAtNs: realtimeNanoseconds())
        }
    }
}
