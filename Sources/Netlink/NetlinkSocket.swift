internal import CLinuxNet
import Glibc

/// A NETLINK_ROUTE socket bound to the network namespace of the thread that opened it.
///
/// Open it inside `withNetworkNamespace` to talk to that namespace's kernel tables; the socket keeps pointing
/// there whichever thread uses it later. Requests are sent one at a time and answered in full before the next
/// (each carries its own sequence number), so one socket must not be used by two threads at once.
package final class NetlinkSocket {
    private let fd: Int32
    private var nextSequence: UInt32
    private var buffer: [UInt8]
    /// How long to wait for each reply datagram before giving up; the kernel answers at once, so this only
    /// guards against a socket that was never going to answer.
    private let replyTimeoutMilliseconds: Int32 = 5000

    /// Opens and binds a NETLINK_ROUTE socket in the calling thread's namespace.
    ///
    /// The corresponding C functions are `socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE)` and `bind`.
    package init() throws(NetlinkError) {
        let netlinkRoute: Int32 = 0
        let socket = try call("open a NETLINK_ROUTE socket") { CLinuxNet_netlink_socket(netlinkRoute) }
        // Ask for the kernel's own words in error replies; an old kernel without it still works.
        _ = CLinuxNet_set_socket_option_int(socket, CLinuxNet_SOL_NETLINK(), CLinuxNet_NETLINK_EXT_ACK(), 1)
        do {
            _ = try call("bind the NETLINK_ROUTE socket") { CLinuxNet_netlink_bind(socket, 0) }
        } catch {
            Glibc.close(socket)
            throw error
        }
        fd = socket
        // Start from a per-socket value so replies to an earlier socket's requests cannot be mistaken for ours.
        nextSequence = UInt32(truncatingIfNeeded: monotonicNanosecondsSeed())
        buffer = [UInt8](repeating: 0, count: 1 << 17)
    }

    deinit { Glibc.close(fd) }

    /// Dumps one kernel table and returns every reply datagram with the messages it carries.
    ///
    /// A dump the kernel flags as interrupted (the table changed while it was read) is repeated, up to three
    /// times; the last attempt is returned as it is.
    package func dump(_ request: DumpRequest) throws(NetlinkError) -> DumpReply {
        var reply = try dumpOnce(request)
        var attempts = 1
        while reply.interrupted && attempts < 3 {
            reply = try dumpOnce(request)
            attempts += 1
        }
        return DumpReply(bytes: reply.bytes, messages: reply.messages)
    }

    /// This namespace's id for the namespace behind `file` (such as /run/netns/ct1), or nil when it has none.
    ///
    /// A veth's IFLA_LINK_NETNSID is such an id: it names the peer's namespace as seen from this one.
    /// The request is RTM_GETNSID with NETNSA_FD.
    package func namespaceID(ofNamespaceFile file: String) throws(NetlinkError) -> Int32? {
        let namespaceFD = Glibc.open(file, O_RDONLY | O_CLOEXEC)
        guard namespaceFD >= 0 else {
            let code = CLinuxNet_errno()
            throw NetlinkError("cannot open \(file): \(errnoName(code))", code: code)
        }
        defer { Glibc.close(namespaceFD) }
        let sequence = takeSequence()
        let request = NamespaceIDRequest.message(namespaceFD: UInt32(namespaceFD), sequence: sequence)
        try send(request)
        // The answer is one message; anything else queued is a leftover of an earlier, abandoned request.
        for _ in 0..<64 {
            let received = try NetlinkMessage.split(try receiveDatagram())
            for message in received where message.sequence == sequence {
                if message.type == RouteNetlink.error, let code = message.errorCode, code != 0 {
                    throw NetlinkError.kernel(code, message: message)
                }
                return try NamespaceIDRequest.namespaceID(inReply: message)
            }
        }
        throw NetlinkError("no answer to RTM_GETNSID among 64 replies")
    }

    private func dumpOnce(
        _ request: DumpRequest
    ) throws(NetlinkError) -> (bytes: [UInt8], messages: [NetlinkMessage], interrupted: Bool) {
        let sequence = takeSequence()
        try send(request.message(sequence: sequence))
        var bytes: [UInt8] = []
        var messages: [NetlinkMessage] = []
        var interrupted = false
        while true {
            let datagram = try receiveDatagram()
            bytes += datagram
            let part = try DumpReply.collect(try NetlinkMessage.split(datagram), sequence: sequence)
            messages += part.messages
            interrupted = interrupted || part.interrupted
            if part.done { return (bytes, messages, interrupted) }
        }
    }

    private func takeSequence() -> UInt32 {
        nextSequence &+= 1
        if nextSequence == 0 { nextSequence = 1 }
        return nextSequence
    }

    private func send(_ message: NetlinkMessage) throws(NetlinkError) {
        let bytes = message.encoded
        _ = try call("send an rtnetlink request") {
            bytes.withUnsafeBytes { CLinuxNet_netlink_send(fd, $0.baseAddress, $0.count) }
        }
    }

    private func receiveDatagram() throws(NetlinkError) -> [UInt8] {
        let ready = try call("wait for an rtnetlink reply") {
            CLinuxNet_wait_readable(fd, -1, replyTimeoutMilliseconds)
        }
        guard ready == 1 else {
            throw NetlinkError("the kernel did not answer an rtnetlink request within \(replyTimeoutMilliseconds) ms")
        }
        // MSG_TRUNC makes recv return the datagram's real length, so a cut-off reply is noticed, not parsed.
        let truncate: Int32 = 0x20
        let count = try call("receive an rtnetlink reply") {
            buffer.withUnsafeMutableBytes { CLinuxNet_recv(fd, $0.baseAddress, $0.count, truncate) }
        }
        guard count <= buffer.count else {
            throw NetlinkError("an rtnetlink reply of \(count) bytes does not fit the \(buffer.count)-byte buffer")
        }
        return Array(buffer[0..<count])
    }
}

/// RTM_GETNSID: asks which id the namespace the socket lives in gives another namespace.
enum NamespaceIDRequest {
    static func message(namespaceFD: UInt32, sequence: UInt32) -> NetlinkMessage {
        var payload = [UInt8](repeating: 0, count: RouteNetlink.rtgenmsgLength)
        var attributes = AttributeEncoder()
        attributes.append(RouteNetlink.nsidFD, integer: namespaceFD)
        payload += attributes.bytes
        return NetlinkMessage(
            type: RouteNetlink.getNsid,
            flags: RouteNetlink.request,
            sequence: sequence,
            payload: payload
        )
    }

    /// The NETNSA_NSID of an RTM_NEWNSID reply; nil when it says NETNSA_NSID_NOT_ASSIGNED (-1).
    static func namespaceID(inReply message: NetlinkMessage) throws(NetlinkError) -> Int32? {
        guard message.type == RouteNetlink.newNsid, message.payload.count >= RouteNetlink.rtgenmsgLength else {
            throw NetlinkError("unexpected reply type \(message.type) to RTM_GETNSID")
        }
        let attributes = try NetlinkAttributes(message.payload[RouteNetlink.rtgenmsgLength...])
        guard let id = attributes.int32(RouteNetlink.nsidID), id >= 0 else { return nil }
        return id
    }
}

/// Runs a system call, retrying EINTR, and turns -1 into a `NetlinkError` naming `operation`.
private func call<T: FixedWidthInteger>(
    _ operation: @autoclosure () -> String,
    _ body: () -> T
) throws(NetlinkError) -> T {
    while true {
        let result = body()
        if result != -1 { return result }
        let code = CLinuxNet_errno()
        if code == EINTR { continue }
        var message = "\(operation()): \(errnoName(code))"
        if code == EPERM || code == EACCES { message += " (run as root)" }
        throw NetlinkError(message, code: code)
    }
}

/// The C library's text for an errno value.
func errnoName(_ code: Int32) -> String { String(cString: strerror(code)) }

private func monotonicNanosecondsSeed() -> UInt64 { CLinuxNet_monotonic_ns() }
