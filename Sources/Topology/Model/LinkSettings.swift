public import PacketCodec

/// A macvlan child's mode (IFLA_MACVLAN_MODE), which decides who can talk to whom.
public enum MacvlanMode: String, Codable, Sendable, Hashable {
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
    public init(kernelValue: UInt32) {
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
public struct MacvlanSettings: Codable, Sendable, Hashable {
    public var mode: MacvlanMode
    /// True for macvtap (a macvlan with a tap character device).
    public var isTap: Bool

    public init(mode: MacvlanMode, isTap: Bool = false) {
        self.mode = mode
        self.isTap = isTap
    }
}

/// Settings of an 802.1Q (or 802.1ad) VLAN interface.
public struct VLANSettings: Codable, Sendable, Hashable {
    public var id: UInt16
    /// The tag protocol: 0x8100 (802.1Q) or 0x88a8 (802.1ad).
    public var tagProtocol: UInt16

    public init(id: UInt16, tagProtocol: UInt16 = 0x8100) {
        self.id = id
        self.tagProtocol = tagProtocol
    }
}

/// Settings of a vxlan interface.
public struct VXLANSettings: Codable, Sendable, Hashable {
    public var vni: UInt32
    /// The UDP destination port (4789 by IANA, 8472 by Linux's old default).
    public var port: UInt16?
    public var local: IPv4Address?
    /// The remote or multicast group.
    public var group: IPv4Address?
    /// The index of the interface vxlan sends through (IFLA_VXLAN_LINK), in the same namespace.
    public var underlyingIndex: Int32?
    public var learning: Bool?

    public init(
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
public struct TunSettings: Codable, Sendable, Hashable {
    /// True for a tap (Ethernet frames), false for a tun (IP packets).
    public var isTap: Bool

    public init(isTap: Bool) { self.isTap = isTap }
}
