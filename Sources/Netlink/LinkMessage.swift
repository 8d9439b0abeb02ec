/// An RTM_NEWLINK message: one interface, as the kernel describes it.
package struct LinkMessage: Sendable, Hashable {
    /// ifi_index.
    package var index: Int32
    /// The ARPHRD_* device type (1 Ethernet, 772 loopback, 65534 none/tun).
    package var deviceType: UInt16
    /// The IFF_* flags (IFF_UP = 0x1, IFF_PROMISC = 0x100, IFF_LOWER_UP = 0x10000).
    package var flags: UInt32
    /// IFLA_IFNAME.
    package var name: String?
    /// IFLA_ADDRESS: the MAC for Ethernet-like links.
    package var address: [UInt8]?
    /// IFLA_MTU.
    package var mtu: UInt32?
    /// IFLA_OPERSTATE: IF_OPER_* (2 down, 3 lower layer down, 6 up).
    package var operState: UInt8?
    /// IFLA_CARRIER: 1 when the lower layer has a carrier.
    package var carrier: UInt8?
    /// IFLA_PROMISCUITY: how many holders keep the link promiscuous.
    package var promiscuity: UInt32?
    /// IFLA_MASTER: the index of the bridge (or bond) this link is enslaved to.
    package var master: Int32?
    /// IFLA_LINK: peer or parent index, in the namespace `linkNetnsID` names.
    package var link: Int32?
    /// IFLA_LINK_NETNSID: this namespace's id for the namespace `link` is in.
    package var linkNetnsID: Int32?
    /// IFLA_INFO_KIND: `veth`, `bridge`, `macvlan`, `vlan`, `vxlan`, `tun`, ...; nil for a NIC or loopback.
    package var kind: String?
    /// IFLA_INFO_SLAVE_KIND: `bridge` for a bridge port.
    package var slaveKind: String?
    /// IFLA_INFO_DATA of kind `bridge`.
    package var bridge: BridgeAttributes?
    /// IFLA_INFO_SLAVE_DATA of slave kind `bridge`.
    package var bridgePort: BridgePortAttributes?
    /// IFLA_MACVLAN_MODE for kinds `macvlan` and `macvtap`.
    package var macvlanMode: UInt32?
    /// IFLA_IPVLAN_MODE (0 l2, 1 l3, 2 l3s) and IFLA_IPVLAN_FLAGS (0x1 private, 0x2 vepa) for kinds `ipvlan` and
    /// `ipvtap` (both u16, linux/if_link.h).
    package var ipvlanMode: UInt16?
    package var ipvlanFlags: UInt16?
    /// IFLA_INFO_DATA of kind `vlan`.
    package var vlan: VLANAttributes?
    /// IFLA_INFO_DATA of kind `vxlan`.
    package var vxlan: VXLANAttributes?
    /// IFLA_TUN_TYPE: 1 tun, 2 tap.
    package var tunType: UInt8?

    /// IFF_UP.
    package static let flagUp: UInt32 = 0x1
    /// IFF_NOARP: the interface neither sends nor answers ARP.
    package static let flagNoARP: UInt32 = 0x80
    /// ARPHRD_LOOPBACK.
    package static let deviceTypeLoopback: UInt16 = 772

    /// Decodes the payload of an RTM_NEWLINK message.
    package init(payload: [UInt8]) throws(NetlinkError) {
        guard payload.count >= RouteNetlink.ifinfomsgLength else { throw .truncated("ifinfomsg") }
        deviceType = payload.loadUInt16(at: 2)
        index = Int32(bitPattern: payload.loadUInt32(at: 4))
        flags = payload.loadUInt32(at: 8)
        let attributes = try NetlinkAttributes(payload[RouteNetlink.ifinfomsgLength...])
        name = attributes.string(RouteNetlink.linkName)
        address = attributes.bytes(RouteNetlink.linkAddress)
        mtu = attributes.uint32(RouteNetlink.linkMTU)
        operState = attributes.uint8(RouteNetlink.linkOperState)
        carrier = attributes.uint8(RouteNetlink.linkCarrier)
        promiscuity = attributes.uint32(RouteNetlink.linkPromiscuity)
        master = attributes.int32(RouteNetlink.linkMaster)
        link = attributes.int32(RouteNetlink.linkLink)
        linkNetnsID = attributes.int32(RouteNetlink.linkNetnsID)
        guard let info = try attributes.nested(RouteNetlink.linkInfo) else { return }
        kind = info.string(RouteNetlink.infoKind)
        slaveKind = info.string(RouteNetlink.infoSlaveKind)
        if let data = try info.nested(RouteNetlink.infoData) {
            switch kind {
            case "bridge": bridge = BridgeAttributes(data)
            case "macvlan", "macvtap": macvlanMode = data.uint32(RouteNetlink.macvlanMode)
            case "ipvlan", "ipvtap":
                ipvlanMode = data.uint16(RouteNetlink.ipvlanMode)
                ipvlanFlags = data.uint16(RouteNetlink.ipvlanFlags)
            case "vlan": vlan = VLANAttributes(data)
            case "vxlan": vxlan = VXLANAttributes(data)
            case "tun": tunType = data.uint8(RouteNetlink.tunType)
            default: break
            }
        }
        if slaveKind == "bridge", let data = try info.nested(RouteNetlink.infoSlaveData) {
            bridgePort = BridgePortAttributes(data)
        }
    }
}

/// IFLA_INFO_DATA of a bridge (IFLA_BR_*).
package struct BridgeAttributes: Sendable, Hashable {
    /// Centiseconds (clock_t at USER_HZ = 100).
    package var forwardDelay: UInt32?
    /// 0 off, 1 kernel STP, 2 user-space STP.
    package var stpState: UInt32?
    /// IFLA_BR_VLAN_FILTERING: 1 when the bridge filters by VLAN.
    package var vlanFiltering: UInt8?
    /// IFLA_BR_VLAN_DEFAULT_PVID.
    package var vlanDefaultPVID: UInt16?

    init(_ data: NetlinkAttributes) {
        forwardDelay = data.uint32(RouteNetlink.bridgeForwardDelay)
        stpState = data.uint32(RouteNetlink.bridgeSTPState)
        vlanFiltering = data.uint8(RouteNetlink.bridgeVLANFiltering)
        vlanDefaultPVID = data.uint16(RouteNetlink.bridgeVLANDefaultPVID)
    }
}

/// IFLA_INFO_SLAVE_DATA of a bridge port (IFLA_BRPORT_*); every flag is a u8 0 or 1.
package struct BridgePortAttributes: Sendable, Hashable {
    /// BR_STATE_*: 0 disabled, 1 listening, 2 learning, 3 forwarding, 4 blocking.
    package var state: UInt8?
    /// Hairpin mode.
    package var mode: UInt8?
    /// IFLA_BRPORT_LEARNING.
    package var learning: UInt8?
    /// IFLA_BRPORT_UNICAST_FLOOD.
    package var unicastFlood: UInt8?
    /// IFLA_BRPORT_MCAST_FLOOD.
    package var multicastFlood: UInt8?
    /// IFLA_BRPORT_BCAST_FLOOD.
    package var broadcastFlood: UInt8?
    /// IFLA_BRPORT_ISOLATED.
    package var isolated: UInt8?

    init(_ data: NetlinkAttributes) {
        state = data.uint8(RouteNetlink.portState)
        mode = data.uint8(RouteNetlink.portMode)
        learning = data.uint8(RouteNetlink.portLearning)
        unicastFlood = data.uint8(RouteNetlink.portUnicastFlood)
        multicastFlood = data.uint8(RouteNetlink.portMulticastFlood)
        broadcastFlood = data.uint8(RouteNetlink.portBroadcastFlood)
        isolated = data.uint8(RouteNetlink.portIsolated)
    }
}

/// IFLA_INFO_DATA of an 802.1Q/802.1ad interface (IFLA_VLAN_*).
package struct VLANAttributes: Sendable, Hashable {
    /// IFLA_VLAN_ID.
    package var id: UInt16?
    /// ETH_P_8021Q (0x8100) or ETH_P_8021AD (0x88a8), carried in network byte order.
    package var tagProtocol: UInt16?

    init(_ data: NetlinkAttributes) {
        id = data.uint16(RouteNetlink.vlanID)
        tagProtocol = data.bigEndianUInt16(RouteNetlink.vlanProtocol)
    }
}

/// IFLA_INFO_DATA of a vxlan interface (IFLA_VXLAN_*).
package struct VXLANAttributes: Sendable, Hashable {
    /// IFLA_VXLAN_ID.
    package var vni: UInt32?
    /// Remote or group address, 4 bytes in network order.
    package var group: [UInt8]?
    /// IFLA_VXLAN_LOCAL, 4 bytes in network order.
    package var local: [UInt8]?
    /// IFLA_VXLAN_LINK: the underlying interface's index.
    package var link: UInt32?
    /// IFLA_VXLAN_LEARNING.
    package var learning: UInt8?
    /// UDP destination port, host order (the attribute is big-endian).
    package var port: UInt16?

    init(_ data: NetlinkAttributes) {
        vni = data.uint32(RouteNetlink.vxlanID)
        group = data.bytes(RouteNetlink.vxlanGroup)
        local = data.bytes(RouteNetlink.vxlanLocal)
        link = data.uint32(RouteNetlink.vxlanLink)
        learning = data.uint8(RouteNetlink.vxlanLearning)
        port = data.bigEndianUInt16(RouteNetlink.vxlanPort)
    }
}

/// One VLAN of a bridge port, from an AF_BRIDGE link dump (`struct bridge_vlan_info`).
package struct BridgeVLANInfo: Sendable, Hashable {
    package var vid: UInt16
    /// BRIDGE_VLAN_INFO_PVID: untagged frames arriving on the port join this VLAN.
    package var isPVID: Bool
    /// BRIDGE_VLAN_INFO_UNTAGGED: the port sends this VLAN's frames untagged.
    package var isUntagged: Bool

    /// The port index and VLANs of one AF_BRIDGE RTM_NEWLINK payload (empty when it lists none).
    package static func decode(payload: [UInt8]) throws(NetlinkError) -> (index: Int32, vlans: [BridgeVLANInfo]) {
        guard payload.count >= RouteNetlink.ifinfomsgLength else { throw .truncated("ifinfomsg") }
        let index = Int32(bitPattern: payload.loadUInt32(at: 4))
        let attributes = try NetlinkAttributes(payload[RouteNetlink.ifinfomsgLength...])
        guard let spec = try attributes.nested(RouteNetlink.linkAFSpec) else { return (index, []) }
        let vlans = spec.entries.filter { $0.type == RouteNetlink.bridgeVLANInfo && $0.value.count >= 4 }.map {
            let flags = UInt16($0.value[0]) | UInt16($0.value[1]) << 8
            let vid = UInt16($0.value[2]) | UInt16($0.value[3]) << 8
            return BridgeVLANInfo(vid: vid, isPVID: flags & 0x2 != 0, isUntagged: flags & 0x4 != 0)
        }
        return (index, vlans)
    }
}
