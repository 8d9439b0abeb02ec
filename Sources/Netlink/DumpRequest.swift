/// The rtnetlink dumps a namespace snapshot is made of.
package enum DumpRequest: String, Sendable, CaseIterable {
    /// RTM_GETLINK, all families, without statistics.
    case links
    /// RTM_GETADDR for AF_INET.
    case addresses
    /// RTM_GETROUTE for AF_INET (all tables; callers keep the main one).
    case routes
    /// RTM_GETNEIGH for AF_INET: the ARP cache.
    case neighbours
    /// RTM_GETNEIGH for AF_BRIDGE: every bridge's forwarding database.
    case fdb
    /// RTM_GETLINK for AF_BRIDGE with RTEXT_FILTER_BRVLAN: the VLANs of every bridge port (and bridge).
    case bridgeVLANs = "bridge-vlans"

    /// The message type the kernel answers with.
    package var replyType: UInt16 {
        switch self {
        case .links, .bridgeVLANs: RouteNetlink.newLink
        case .addresses: RouteNetlink.newAddress
        case .routes: RouteNetlink.newRoute
        case .neighbours, .fdb: RouteNetlink.newNeighbour
        }
    }

    /// The request message, with `sequence` in its header.
    package func message(sequence: UInt32) -> NetlinkMessage {
        var payload: [UInt8]
        let type: UInt16
        switch self {
        case .links:
            type = RouteNetlink.getLink
            payload = [UInt8](repeating: 0, count: RouteNetlink.ifinfomsgLength)
            var attributes = AttributeEncoder()
            attributes.append(RouteNetlink.linkExtMask, integer: RouteNetlink.skipStatsFilter)
            payload += attributes.bytes
        case .bridgeVLANs:
            type = RouteNetlink.getLink
            payload = [UInt8](repeating: 0, count: RouteNetlink.ifinfomsgLength)
            payload[0] = RouteNetlink.familyBridge
            var attributes = AttributeEncoder()
            attributes.append(RouteNetlink.linkExtMask, integer: RouteNetlink.bridgeVLANFilter)
            payload += attributes.bytes
        case .addresses:
            type = RouteNetlink.getAddress
            payload = [UInt8](repeating: 0, count: RouteNetlink.ifaddrmsgLength)
            payload[0] = RouteNetlink.familyIPv4
        case .routes:
            type = RouteNetlink.getRoute
            payload = [UInt8](repeating: 0, count: RouteNetlink.rtmsgLength)
            payload[0] = RouteNetlink.familyIPv4
        case .neighbours, .fdb:
            type = RouteNetlink.getNeighbour
            payload = [UInt8](repeating: 0, count: RouteNetlink.ndmsgLength)
            payload[0] = self == .fdb ? RouteNetlink.familyBridge : RouteNetlink.familyIPv4
        }
        return NetlinkMessage(
            type: type,
            flags: RouteNetlink.request | RouteNetlink.dump,
            sequence: sequence,
            payload: payload
        )
    }
}

/// The answer to one dump: the datagrams as received and the messages they carry.
package struct DumpReply: Sendable, Hashable {
    /// Every reply datagram, concatenated, NLMSG_DONE included: what a fixture file holds.
    package var bytes: [UInt8]
    /// The data messages (NLMSG_DONE and messages of other sequences dropped).
    package var messages: [NetlinkMessage]

    /// Splits recorded reply bytes and checks them as `collect` does, for any sequence number.
    package init(recorded bytes: [UInt8]) throws(NetlinkError) {
        self.bytes = bytes
        self.messages = try Self.collect(try NetlinkMessage.split(bytes), sequence: nil).messages
    }

    init(bytes: [UInt8], messages: [NetlinkMessage]) {
        self.bytes = bytes
        self.messages = messages
    }

    /// Keeps the messages answering `sequence` (any when nil), stopping at NLMSG_DONE.
    ///
    /// Throws the kernel's error from NLMSG_ERROR. `done` tells whether NLMSG_DONE was seen; `interrupted`
    /// whether the kernel flagged the dump inconsistent (NLM_F_DUMP_INTR: the tables changed meanwhile).
    static func collect(
        _ received: [NetlinkMessage],
        sequence: UInt32?
    ) throws(NetlinkError) -> (messages: [NetlinkMessage], done: Bool, interrupted: Bool) {
        var messages: [NetlinkMessage] = []
        var interrupted = false
        for message in received where sequence == nil || message.sequence == sequence {
            if message.flags & RouteNetlink.dumpInterrupted != 0 { interrupted = true }
            switch message.type {
            case RouteNetlink.done:
                return (messages, true, interrupted)
            case RouteNetlink.error:
                let code = message.errorCode ?? 0
                if code == 0 { return (messages, true, interrupted) }
                throw NetlinkError.kernel(code, message: message)
            default:
                messages.append(message)
            }
        }
        return (messages, false, interrupted)
    }

    /// The link messages of a `links` dump.
    package func links() throws(NetlinkError) -> [LinkMessage] {
        try decode(RouteNetlink.newLink, LinkMessage.init(payload:))
    }

    /// The address messages of an `addresses` dump.
    package func addresses() throws(NetlinkError) -> [AddressMessage] {
        try decode(RouteNetlink.newAddress, AddressMessage.init(payload:))
    }

    /// The route messages of a `routes` dump.
    package func routes() throws(NetlinkError) -> [RouteMessage] {
        try decode(RouteNetlink.newRoute, RouteMessage.init(payload:))
    }

    /// The neighbour messages of a `neighbours` or `fdb` dump.
    package func neighbours() throws(NetlinkError) -> [NeighbourMessage] {
        try decode(RouteNetlink.newNeighbour, NeighbourMessage.init(payload:))
    }

    private func decode<T>(
        _ type: UInt16,
        _ make: ([UInt8]) throws(NetlinkError) -> T
    ) throws(NetlinkError) -> [T] {
        var result: [T] = []
        for message in messages where message.type == type { result.append(try make(message.payload)) }
        return result
    }
}

extension NetlinkError {
    /// The error an NLMSG_ERROR reply carries, with the extended-ack text when the kernel sent one.
    static func kernel(_ code: Int32, message: NetlinkMessage) -> NetlinkError {
        var text = "rtnetlink request failed: \(errnoName(code))"
        if let detail = extendedAcknowledgement(message) { text += " (\(detail))" }
        return NetlinkError(text, code: code)
    }

    /// NLMSGERR_ATTR_MSG from the TLVs that follow the echoed request when NLM_F_ACK_TLVS is set.
    private static func extendedAcknowledgement(_ message: NetlinkMessage) -> String? {
        let ackTLVs: UInt16 = 0x200
        let capped: UInt16 = 0x100
        guard message.flags & ackTLVs != 0, message.payload.count >= 4 + RouteNetlink.headerLength else { return nil }
        let echoedLength = Int(message.payload.loadUInt32(at: 4))
        let start = 4 + (message.flags & capped != 0 ? RouteNetlink.headerLength : alignedLength(echoedLength))
        guard start <= message.payload.count,
            let attributes = try? NetlinkAttributes(message.payload[start...])
        else { return nil }
        return attributes.string(1)
    }
}
