package import PacketCodec

/// One entry of a bridge's forwarding database (RTM_NEWNEIGH in family AF_BRIDGE).
package struct FDBEntry: Codable, Sendable, Hashable {
    package var mac: MACAddress
    /// The port the MAC is reached through (NDA_IFINDEX side: the neighbour message's interface).
    package var port: LinkReference
    /// The bridge the entry belongs to (NDA_MASTER), when the entry lives in a bridge's table.
    package var bridge: LinkReference?
    /// The VLAN the entry is for, on a VLAN-filtering bridge.
    package var vlan: UInt16?
    package var state: FDBState
    /// The kernel's NTF_* flags by name: `self`, `master`, `extern_learn`, `offloaded`, `sticky`, `router`.
    package var flags: [String]
    /// For vxlan FDB entries: the remote tunnel endpoint (NDA_DST).
    package var destination: IPv4Address?

    package init(
        mac: MACAddress,
        port: LinkReference,
        bridge: LinkReference? = nil,
        vlan: UInt16? = nil,
        state: FDBState,
        flags: [String] = [],
        destination: IPv4Address? = nil
    ) {
        self.mac = mac
        self.port = port
        self.bridge = bridge
        self.vlan = vlan
        self.state = state
        self.flags = flags
        self.destination = destination
    }
}

/// How an FDB entry came to be.
package enum FDBState: String, Codable, Sendable, Hashable {
    /// NUD_PERMANENT: the bridge's own (local) address for a port; frames to it go up the stack.
    case permanent
    /// NUD_NOARP: added by an administrator (`bridge fdb add ... static`); never ages.
    case `static`
    /// Learned from traffic (NUD_REACHABLE or NUD_STALE); ages out.
    case learned

    /// The state for an NDM state value as the bridge reports it.
    package init(neighbourState: UInt16) {
        if neighbourState & 0x80 != 0 {
            self = .permanent
        } else if neighbourState & 0x40 != 0 {
            self = .static
        } else {
            self = .learned
        }
    }
}
