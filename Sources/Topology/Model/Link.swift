package import PacketCodec

/// One network interface in one namespace, as rtnetlink reports it (RTM_NEWLINK).
package struct Link: Codable, Sendable, Hashable {
    /// The interface index, unique within its namespace only.
    package var index: Int32
    package var name: String
    package var kind: LinkKind
    /// The kernel's IFLA_INFO_KIND when it is not one lxcdiag models (`dummy`, `ipip`), else nil.
    package var otherKind: String?
    package var mac: MACAddress?
    package var mtu: Int
    /// Whether the interface is administratively up (IFF_UP).
    package var isUp: Bool
    /// True when ARP is off on the interface (IFF_NOARP, `ip link set DEV arp off`); nil when it is on.
    package var noARP: Bool?
    package var operState: OperState
    /// Whether the lower layer reports a carrier (IFLA_CARRIER); nil when the kernel did not say.
    package var carrier: Bool?
    /// How many reasons hold the interface in promiscuous mode (0 = not promiscuous).
    package var promiscuity: Int
    /// The bridge (or bond) this interface is enslaved to, in the same namespace.
    package var master: LinkReference?
    /// The kernel's IFLA_LINK: the veth peer's or the macvlan/vlan parent's index, in the namespace that
    /// `linkNetnsID` names (or this one when that is nil).
    package var linkIndex: Int32?
    /// The kernel's IFLA_LINK_NETNSID: this namespace's id for the namespace `linkIndex` lives in.
    package var linkNetnsID: Int32?
    /// For a veth: the other end, resolved across the captured namespaces; nil when it is in none of them.
    package var peer: LinkReference?
    /// For a macvlan or vlan: the parent interface, resolved across the captured namespaces.
    package var parent: LinkReference?
    /// Set for macvlan (and macvtap) interfaces.
    package var macvlan: MacvlanSettings?
    /// Set for ipvlan (and ipvtap) interfaces.
    package var ipvlan: IpvlanSettings?
    /// Set for 802.1Q/802.1ad interfaces.
    package var vlan: VLANSettings?
    /// Set for vxlan interfaces.
    package var vxlan: VXLANSettings?
    /// Set for tun/tap interfaces.
    package var tun: TunSettings?
    /// Set when this interface is a bridge.
    package var bridge: BridgeSettings?
    /// Set when this interface is a port of a bridge.
    package var bridgePort: BridgePort?

    package init(index: Int32, name: String, kind: LinkKind, mtu: Int) {
        self.index = index
        self.name = name
        self.kind = kind
        self.mtu = mtu
        self.isUp = false
        self.operState = .unknown
        self.promiscuity = 0
    }
}

/// What an interface is.
package enum LinkKind: String, Codable, Sendable, Hashable, CaseIterable {
    /// A NIC (no IFLA_INFO_KIND), such as em1.
    case physical
    case veth
    case bridge
    case macvlan
    /// An ipvlan or ipvtap child: the parent's MAC, frames handed over by destination IP.
    case ipvlan
    case vlan
    case vxlan
    case tun
    case loopback
    /// Any other IFLA_INFO_KIND (`dummy`, `bond`, ...); `Link.otherKind` names it.
    case other
}

/// RFC 2863 operational state (IFLA_OPERSTATE).
package enum OperState: String, Codable, Sendable, Hashable {
    case unknown
    case notPresent = "notpresent"
    case down
    case lowerLayerDown = "lowerlayerdown"
    case testing
    case dormant
    case up

    /// The state for the kernel's IF_OPER_* value.
    package init(kernelValue: UInt8) {
        switch kernelValue {
        case 1: self = .notPresent
        case 2: self = .down
        case 3: self = .lowerLayerDown
        case 4: self = .testing
        case 5: self = .dormant
        case 6: self = .up
        default: self = .unknown
        }
    }
}

/// A pointer to an interface in some namespace of the topology.
package struct LinkReference: Codable, Sendable, Hashable, CustomStringConvertible {
    /// The namespace's node name (`host`, a container, a netns name).
    package var node: String
    package var index: Int32
    package var name: String

    package init(node: String, index: Int32, name: String) {
        self.node = node
        self.index = index
        self.name = name
    }

    package var description: String { "\(node):\(name)" }
}
