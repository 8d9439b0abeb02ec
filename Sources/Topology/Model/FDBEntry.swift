public import PacketCodec

/// One entry of a bridge's forwarding database (RTM_NEWNEIGH in family AF_BRIDGE).
public struct FDBEntry: Codable, Sendable, Hashable {
    public var mac: MACAddress
    /// The port the MAC is reached through (NDA_IFINDEX side: the neighbour message's interface).
    public var port: LinkReference
    /// The bridge the entry belongs to (NDA_MASTER), when the entry lives in a bridge's table.
    public var bridge: LinkReference?
    /// The VLAN the entry is for, on a VLAN-filtering bridge.
    public var vlan: UInt16?
    public var state: FDBState
    /// The kernel's NTF_* flags by name: `self`, `master`, `extern_learn`, `offloaded`, `sticky`, `router`.
    public var flags: [String]
    /// For vxlan FDB entries: the remote tunnel endpoint (NDA_DST).
    public var destination: IPv4Address?

    public init(
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
public enum FDBState: String, Codable, Sendable, Hashable {
    /// NUD_PERMANENT: the bridge's own (local) address for a port; frames to it go up the stack.
    case permanent
    /// NUD_NOARP: added by an administrator (`bridge fdb add ... static`); never ages.
    case `static`
    /// Learned from traffic (NUD_REACHABLE or NUD_STALE); ages out.
    case learned

    /// The state for an NDM state value as the bridge reports it.
    public init(neighbourState: UInt16) {
        if neighbourState & 0x80 != 0 {
            self = .permanent
        } else if neighbourState & 0x40 != 0 {
            self = .static
        } else {
            self = .learned
        }
    }
}
