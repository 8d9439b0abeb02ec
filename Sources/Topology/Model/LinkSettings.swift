package import PacketCodec

/// A macvlan child's mode (IFLA_MACVLAN_MODE), which decides who can talk to whom.
package enum MacvlanMode: String, Codable, Sendable, Hashable {
    /// Children cannot reach each other or the parent.
    case `private`
    /// Frames between children go out to the switch and must be hairpinned back.
    case vepa
    /// Children reach each other directly; the parent's own stack still cannot reach them.
    case bridge
    /// One child takes the parent over.
    case passthru
    /// Only frames from listed source MACs are received.
    case source
    case unknown

    /// The mode for the kernel's MACVLAN_MODE_* value.
    package init(kernelValue: UInt32) {
        switch kernelValue {
        case 1: self = .private
        case 2: self = .vepa
        case 4: self = .bridge
        case 8: self = .passthru
        case 16: self = .source
        default: self = .unknown
        }
    }
}

/// Settings of a macvlan or macvtap child.
package struct MacvlanSettings: Codable, Sendable, Hashable {
    package var mode: MacvlanMode
    /// True for macvtap (a macvlan with a tap character device).
    package var isTap: Bool

    package init(mode: MacvlanMode, isTap: Bool = false) {
        self.mode = mode
        self.isTap = isTap
    }
}

/// An ipvlan child's mode (IFLA_IPVLAN_MODE), shared by every child of one parent. The children have the
/// parent's MAC; the parent hands them frames by destination IP address.
package enum IpvlanMode: String, Codable, Sendable, Hashable {
    /// Layer 2: the children answer ARP and get broadcasts and multicasts (Docker's default, ipvlan_mode=l2).
    case l2
    /// Layer 3: the children are NOARP (an ARP request reaches them, none is answered); the parent's namespace
    /// routes what they send, and the outside reaches them through a route via the host (Docker's ipvlan_mode=l3).
    case l3
    /// Layer 3 with the parent's netfilter (l3s).
    case l3s
    case unknown

    /// The mode for the kernel's IPVLAN_MODE_* value.
    package init(kernelValue: UInt16) {
        switch kernelValue {
        case 0: self = .l2
        case 1: self = .l3
        case 2: self = .l3s
        default: self = .unknown
        }
    }

    /// Whether the children answer ARP (only in L2 mode; in L3 modes they are NOARP).
    package var answersARP: Bool { self == .l2 }
}

/// Settings of an ipvlan or ipvtap child.
package struct IpvlanSettings: Codable, Sendable, Hashable {
    package var mode: IpvlanMode
    /// IPVLAN_F_PRIVATE: the children cannot reach each other.
    package var isPrivate: Bool
    /// IPVLAN_F_VEPA: frames between children go out to the switch.
    package var isVEPA: Bool

    package init(mode: IpvlanMode, flags: UInt16 = 0) {
        self.mode = mode
        isPrivate = flags & 0x1 != 0
        isVEPA = flags & 0x2 != 0
    }

    /// `l2`, `l3 private`, `l2 vepa`: as `topo` writes it.
    package var text: String { mode.rawValue + (isPrivate ? " private" : "") + (isVEPA ? " vepa" : "") }
}

/// Settings of an 802.1Q (or 802.1ad) VLAN interface.
package struct VLANSettings: Codable, Sendable, Hashable {
    package var id: UInt16
    /// The tag protocol: 0x8100 (802.1Q) or 0x88a8 (802.1ad).
    package var tagProtocol: UInt16

    package init(id: UInt16, tagProtocol: UInt16 = 0x8100) {
        self.id = id
        self.tagProtocol = tagProtocol
    }
}

/// Settings of a vxlan interface.
package struct VXLANSettings: Codable, Sendable, Hashable {
    package var vni: UInt32
    /// The UDP destination port (4789 by IANA, 8472 by Linux's old default).
    package var port: UInt16?
    package var local: IPv4Address?
    /// The remote or multicast group.
    package var group: IPv4Address?
    /// The index of the interface vxlan sends through (IFLA_VXLAN_LINK), in the same namespace.
    package var underlyingIndex: Int32?
    package var learning: Bool?

    package init(
        vni: UInt32,
        port: UInt16? = nil,
        local: IPv4Address? = nil,
        group: IPv4Address? = nil,
        underlyingIndex: Int32? = nil,
        learning: Bool? = nil
    ) {
        self.vni = vni
        self.port = port
        self.local = local
        self.group = group
        self.underlyingIndex = underlyingIndex
        self.learning = learning
    }
}

/// Settings of a tun or tap interface.
package struct TunSettings: Codable, Sendable, Hashable {
    /// True for a tap (Ethernet frames), false for a tun (IP packets).
    package var isTap: Bool

    package init(isTap: Bool) { self.isTap = isTap }
}
