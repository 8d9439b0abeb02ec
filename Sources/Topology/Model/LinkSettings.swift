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
