internal import CLinuxNet
import Glibc

/// The datagram exchange a `NetlinkSocket` runs on: one request out, one reply datagram in.
///
/// `KernelNetlinkTransport` is the kernel's socket; a recorded transport replays captured reply datagrams, so the
/// socket's sequencing and retries are tested without root. A `receive` the kernel interrupts throws a
/// `NetlinkError` with code EINTR, which the socket retries.
package protocol NetlinkTransport: AnyObject {
    /// Sends one request datagram.
    func send(_ bytes: [UInt8]) throws(NetlinkError)
    /// Waits for and returns the next reply datagram, whole.
    func receive() throws(NetlinkError) -> [UInt8]
}

/// Which netlink family a kernel socket talks to.
package enum NetlinkFamily: Int32, Sendable {
    /// NETLINK_ROUTE: links, addresses, routes, neighbours.
    case route = 0
    /// NETLINK_NETFILTER: nftables tables, chains and rules (nfnetlink).
    case netfilter = 12
}

/// A netlink socket bound to the network namespace of the thread that opened it.
///
/// Open it inside `withNetworkNamespace` to talk to that namespace's kernel tables; the socket keeps pointing
/// there whichever thread uses it later. Requests are sent one at a time and answered in full before the next
/// (each carries its own sequence number; replies to other sequences are left aside), so one socket must not be
/// used by two threads at once.
package final class NetlinkSocket {
    private let transport: any NetlinkTransport
    private var nextSequence: UInt32
    /// How many times a dump the kernel flags as interrupted (NLM_F_DUMP_INTR) is read in all.
    package static let dumpAttempts = 3
    /// How many EINTRs in a row one receive retries before giving up (a signal storm, not a reply).
    static let interruptRetries = 64

    /// Opens and binds a kernel netlink socket for `family` in the calling thread's namespace.
    ///
    /// The corresponding C functions are `socket(AF_NETLINK, SOCK_RAW, family)` and `bind`.
    package convenience init(family: NetlinkFamily = .route) throws(NetlinkError) {
        let transport = try KernelNetlinkTransport(family: family)
        // Start from a per-socket value so replies to an earlier socket's requests cannot be mistaken for ours.
        self.init(transport: transport, firstSequence: UInt32(truncatingIfNeeded: monotonicNanosecondsSeed()))
    }

    /// A socket on `transport` whose first request carries `firstSequence` plus one.
    package init(transport: any NetlinkTransport, firstSequence: UInt32) {
        self.transport = transport
        self.nextSequence = firstSequence
    }

    /// Dumps one kernel table and returns every reply datagram with the messages it carries.
    ///
    /// A dump the kernel flags as interrupted (the table changed while it was read) is repeated, up to
    /// `dumpAttempts` times in all; the last attempt is returned as it is.
    package func dump(_ request: DumpRequest) throws(NetlinkError) -> DumpReply {
        try dump { request.message(sequence: $0) }
    }

    /// Dumps what `request` (given the sequence number to carry) asks for, retrying as `dump(_:)` does.
    package func dump(_ request: (UInt32) -> NetlinkMessage) throws(NetlinkError) -> DumpReply {
        var reply = try dumpOnce(request)
        var attempts = 1
        while reply.interrupted && attempts < Self.dumpAttempts {
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
        return try namespaceID(ofNamespaceDescriptor: UInt32(namespaceFD))
    }

    /// This namespace's id for the namespace open as `descriptor`, or nil when it has none (RTM_GETNSID).
    package func namespaceID(ofNamespaceDescriptor descriptor: UInt32) throws(NetlinkError) -> Int32? {
        let sequence = takeSequence()
        try transport.send(NamespaceIDRequest.message(namespaceFD: descriptor, sequence: sequence).encoded)
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
        _ request: (UInt32) -> NetlinkMessage
    ) throws(NetlinkError) -> (bytes: [UInt8], messages: [NetlinkMessage], interrupted: Bool) {
        let sequence = takeSequence()
        try transport.send(request(sequence).encoded)
        var bytes: [UInt8] = []
        var messages: [NetlinkMessage] = []
        var interrupted = false
        // A dump comes in as many datagrams as the table needs; it ends with NLMSG_DONE (or an error).
        while true {
            let datagram = try receiveDatagram()
            let part = try DumpReply.collect(try NetlinkMessage.split(datagram), sequence: sequence)
            // Datagrams that answer an earlier, abandoned request are not part of this dump's bytes.
            if !part.messages.isEmpty || part.done || part.interrupted { bytes += datagram }
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

    /// The next datagram, retrying a receive the kernel interrupted (EINTR), a bounded number of times.
    private func receiveDatagram() throws(NetlinkError) -> [UInt8] {
        var interruptions = 0
        while true {
            do {
                return try transport.receive()
            } catch let error where error.code == EINTR && interruptions < Self.interruptRetries {
                interruptions += 1
            }
        }
    }
}

/// A kernel netlink socket: the transport every `NetlinkSocket` uses outside tests.
package final class KernelNetlinkTransport: NetlinkTransport {
    private let fd: Int32
    private let family: NetlinkFamily
    private var buffer: [UInt8]
    /// How long to wait for each reply datagram before giving up; the kernel answers at once, so this only
    /// guards against a socket that was never going to answer.
    private let replyTimeoutMilliseconds: Int32 = 5000

    /// Opens and binds a netlink socket for `family` in the calling thread's namespace.
    package init(family: NetlinkFamily) throws(NetlinkError) {
        let name = family.socketName
        let socket = try call("open a \(name) socket") { CLinuxNet_netlink_socket(family.rawValue) }
        // Ask for the kernel's own words in error replies; an old kernel without it still works.
        _ = CLinuxNet_set_socket_option_int(socket, CLinuxNet_SOL_NETLINK(), CLinuxNet_NETLINK_EXT_ACK(), 1)
        do {
            _ = try call("bind the \(name) socket") { CLinuxNet_netlink_bind(socket, 0) }
        } catch {
            Glibc.close(socket)
            throw error
        }
        fd = socket
        self.family = family
        buffer = [UInt8](repeating: 0, count: 1 << 17)
    }

    deinit { Glibc.close(fd) }

    package func send(_ bytes: [UInt8]) throws(NetlinkError) {
        _ = try call("send a \(family.socketName) request") {
            bytes.withUnsafeBytes { CLinuxNet_netlink_send(fd, $0.baseAddress, $0.count) }
        }
    }

    /// One datagram; an interrupted wait or receive throws EINTR for the socket to retry.
    package func receive() throws(NetlinkError) -> [UInt8] {
        let name = family.socketName
        let ready = try call("wait for a \(name) reply", retryInterrupted: false) {
            CLinuxNet_wait_readable(fd, -1, replyTimeoutMilliseconds)
        }
        guard ready == 1 else {
            throw NetlinkError("the kernel did not answer a \(name) request within \(replyTimeoutMilliseconds) ms")
        }
        // MSG_TRUNC makes recv return the datagram's real length, so a cut-off reply is noticed, not parsed.
        let truncate: Int32 = 0x20
        let count = try call("receive a \(name) reply", retryInterrupted: false) {
            buffer.withUnsafeMutableBytes { CLinuxNet_recv(fd, $0.baseAddress, $0.count, truncate) }
        }
        guard count <= buffer.count else {
            throw NetlinkError("a \(name) reply of \(count) bytes does not fit the \(buffer.count)-byte buffer")
        }
        return Array(buffer[0..<count])
    }
}

extension NetlinkFamily {
    fileprivate var socketName: String {
        switch self {
        case .route: "NETLINK_ROUTE"
        case .netfilter: "NETLINK_NETFILTER"
        }
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

/// Runs a system call, retrying EINTR unless told not to, and turns -1 into a `NetlinkError` naming `operation`.
private func call<T: FixedWidthInteger>(
    _ operation: @autoclosure () -> String,
    retryInterrupted: Bool = true,
    _ body: () -> T
) throws(NetlinkError) -> T {
    while true {
        let result = body()
        if result != -1 { return result }
        let code = CLinuxNet_errno()
        if code == EINTR && retryInterrupted { continue }
        var message = "\(operation()): \(errnoName(code))"
        if code == EPERM || code == EACCES { message += " (run as root)" }
        throw NetlinkError(message, code: code)
    }
}

/// The C library's text for an errno value.
func errnoName(_ code: Int32) -> String { String(cString: strerror(code)) }

private func monotonicNanosecondsSeed() -> UInt64 { CLinuxNet_monotonic_ns() }
