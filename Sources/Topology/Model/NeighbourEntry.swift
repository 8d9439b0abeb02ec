package import PacketCodec

/// One IPv4 neighbour (ARP cache) entry (RTM_NEWNEIGH in family AF_INET).
package struct NeighbourEntry: Codable, Sendable, Hashable {
    /// The interface the neighbour is reached through.
    package var interface: LinkReference
    package var address: IPv4Address
    /// The link-layer address; nil while the entry is incomplete or failed.
    package var mac: MACAddress?
    package var state: NUDState
    /// The neighbour is a router (NTF_ROUTER).
    package var isRouter: Bool
    /// A proxy ARP entry (NTF_PROXY).
    package var isProxy: Bool

    package init(
        interface: LinkReference,
        address: IPv4Address,
        mac: MACAddress?,
        state: NUDState,
        isRouter: Bool = false,
        isProxy: Bool = false
    ) {
        self.interface = interface
        self.address = address
        self.mac = mac
        self.state = state
        self.isRouter = isRouter
        self.isProxy = isProxy
    }
}

/// A neighbour entry's state (NUD_*), as `ip neigh` names it.
package enum NUDState: String, Codable, Sendable, Hashable {
    case none
    case incomplete
    case reachable
    case stale
    case delay
    case probe
    case failed
    case noarp
    case permanent
    case unknown

    /// The state for the kernel's NUD_* bit (one bit is set in a reported entry).
    package init(kernelValue: UInt16) {
        switch kernelValue {
        case 0x00: self = .none
        case 0x01: self = .incomplete
        case 0x02: self = .reachable
        case 0x04: self = .stale
        case 0x08: self = .delay
        case 0x10: self = .probe
        case 0x20: self = .failed
        case 0x40: self = .noarp
        case 0x80: self = .permanent
        default: self = .unknown
        }
    }
}
