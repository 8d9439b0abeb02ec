internal import CLinuxNet
import Glibc

/// What one exchange on a TCP or UDP socket came to.
package enum TransportAnswer: Sendable, Equatable {
    /// The target answered: the TCP handshake completed, or a UDP reply arrived.
    case answered(atNs: UInt64)
    /// The target said nothing listens: a TCP RST or an ICMP port unreachable (ECONNREFUSED).
    case refused(atNs: UInt64)
    /// Nothing came back before the deadline.
    case timedOut
    /// The kernel reported another error (no route, host unreachable, an OUTPUT rule's EPERM).
    case failed(SystemError)
}

/// A non-blocking IPv4 TCP or UDP socket, opened in the namespace of the calling thread and bound to a chosen
/// source port, so captures can tell its frames by the port pair.
///
/// What it sends goes through that namespace's own stack, as a user's program's would. Open it inside
/// `withNetworkNamespace`; it stays in that namespace and may be used from any thread, one at a time.
/// Safe to share: the descriptor is a `FileDescriptor`; `connect`/`exchange` are meant for one caller.
package final class TransportSocket: @unchecked Sendable {
    private let descriptor: FileDescriptor
    private let isStream: Bool

    /// Opens a TCP (`stream`) or UDP socket bound to `sourcePort`; refused where `SendingGuard` forbids sending.
    package init(stream: Bool, sourcePort: UInt16) throws(SystemError) {
        try SendingGuard.check(stream ? "TCP socket" : "UDP socket")
        let fd = try retryingOnInterrupt("open a \(stream ? "TCP" : "UDP") socket on port \(sourcePort)") {
            CLinuxNet_inet_socket(stream ? 1 : 0, sourcePort)
        }
        descriptor = FileDescriptor(owning: fd)
        isStream = stream
    }

    /// For TCP: starts the handshake to `destination` (host-order IPv4) `port` and waits until `deadlineNs`
    /// (monotonic) for its outcome. For UDP: connects, sends `payload`, and waits for a reply or an error.
    /// Returns the realtime ns the attempt started and what came of it.
    package func exchange(
        to destination: UInt32,
        port: UInt16,
        payload: [UInt8],
        deadlineNs: UInt64
    )
        -> (sentAtNs: UInt64, answer: TransportAnswer)
    {
        let sentAt = realtimeNanoseconds()
        let fd = descriptor.rawValue
        let connected = CLinuxNet_inet_connect(fd, destination.bigEndian, port)
        if connected != 0 {
            let code = CLinuxNet_errno()
            if !(isStream && code == EINPROGRESS) {
                return (sentAt, .failed(SystemError("connect to port \(port)", code: code)))
            }
        }
        if !isStream {
            do { try descriptor.write(payload, "send to port \(port)") } catch {
                return (sentAt, answer(for: error.code))
            }
        }
        let wanted: PollEvents = isStream ? .writable : .readable
        while true {
            let now = monotonicNanoseconds()
            if now >= deadlineNs { return (sentAt, .timedOut) }
            let waitMs = Int32(clamping: (deadlineNs - now + 999_999) / 1_000_000)
            let events: PollEvents
            do { events = try descriptor.poll(wanted, timeoutMilliseconds: waitMs) } catch {
                return (sentAt, .failed(error))
            }
            if events.isEmpty { continue }
            let pending = CLinuxNet_socket_error(fd)
            if pending != 0 { return (sentAt, answer(for: pending)) }
            if isStream { return (sentAt, .answered(atNs: realtimeNanoseconds())) }
            do {
                _ = try descriptor.read(upTo: 2048, "receive from port \(port)")
                return (sentAt, .answered(atNs: realtimeNanoseconds()))
            } catch  where error.code == EAGAIN {
                continue
            } catch {
                return (sentAt, answer(for: error.code))
            }
        }
    }

    private func answer(for code: Int32) -> TransportAnswer {
        code == ECONNREFUSED
            ? .refused(atNs: realtimeNanoseconds()) : .failed(SystemError("exchange", code: code))
    }
}
