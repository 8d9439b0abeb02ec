package import LinuxNet
internal import Netlink

/// Whether a namespace has any nftables table, asked over NETLINK_NETFILTER (an NFT_MSG_GETTABLE dump) instead
/// of starting `nft`: on a host with a thousand containers most namespaces have none, and a process each costs
/// more than everything else doctor reads there.
package enum NftablesPresence {
    /// NFNL_SUBSYS_NFTABLES (10) in the high byte of the message type, the nftables message in the low one.
    static let getTable: UInt16 = 10 << 8 | 1
    static let newTable: UInt16 = 10 << 8 | 0

    /// The NFT_MSG_GETTABLE dump request for every family: an `nfgenmsg` (family NFPROTO_UNSPEC, version
    /// NFNETLINK_V0, resource id 0).
    static func request(sequence: UInt32) -> NetlinkMessage {
        NetlinkMessage(
            type: getTable,
            flags: 0x1 | 0x300,  // NLM_F_REQUEST | NLM_F_DUMP
            sequence: sequence,
            payload: [0, 0, 0, 0]
        )
    }

    /// Whether a GETTABLE dump's reply holds a table.
    static func hasTables(_ reply: DumpReply) -> Bool {
        reply.messages.contains { $0.type == newTable }
    }

    /// Whether recorded GETTABLE reply bytes (every datagram, NLMSG_DONE included) hold a table.
    package static func hasTables(inRecordedReply bytes: [UInt8]) throws -> Bool {
        hasTables(try DumpReply(recorded: bytes))
    }

    /// Whether `namespace` has a table; nil when netlink could not say.
    package static func hasTables(in namespace: NetworkNamespace) throws -> Bool? {
        try withNetworkNamespace(namespace) { inCurrentNamespace() }
    }

    /// Whether the calling thread's namespace has a table; nil when netlink could not say (then ask `nft`).
    static func inCurrentNamespace() -> Bool? {
        guard let socket = try? NetlinkSocket(family: .netfilter),
            let reply = try? socket.dump(request(sequence:))
        else { return nil }
        return hasTables(reply)
    }
}
