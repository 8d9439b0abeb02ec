internal import Netlink
internal import PacketCodec

extension Link {
    /// The model of one RTM_NEWLINK message; `node` names the namespace it came from.
    ///
    /// References to other interfaces (master) are filled in by `NamespaceSnapshot.init(node:dump:)`, which
    /// sees all of the namespace's links; peers and parents across namespaces by `HostTopology`.
    init(_ message: LinkMessage) {
        self.init(
            index: message.index,
            name: message.name ?? "if\(message.index)",
            kind: LinkKind(infoKind: message.kind, deviceType: message.deviceType),
            mtu: Int(message.mtu ?? 0)
        )
        if kind == .other { otherKind = message.kind }
        if let address = message.address, address.count == 6 { mac = MACAddress(address) }
        isUp = message.flags & LinkMessage.flagUp != 0
        if message.flags & LinkMessage.flagNoARP != 0 { noARP = true }
        operState = OperState(kernelValue: message.operState ?? 0)
        carrier = message.carrier.map { $0 != 0 }
        promiscuity = Int(message.promiscuity ?? 0)
        // A link's IFLA_LINK pointing at itself (as some NICs report) says nothing.
        if let link = message.link, link != message.index || message.linkNetnsID != nil { linkIndex = link }
        linkNetnsID = message.linkNetnsID
        if let mode = message.macvlanMode {
            macvlan = MacvlanSettings(mode: MacvlanMode(kernelValue: mode), isTap: message.kind == "macvtap")
        }
        if let mode = message.ipvlanMode {
            ipvlan = IpvlanSettings(mode: IpvlanMode(kernelValue: mode), flags: message.ipvlanFlags ?? 0)
        }
        if let vlan = message.vlan, let id = vlan.id {
            self.vlan = VLANSettings(id: id, tagProtocol: vlan.tagProtocol ?? 0x8100)
        }
        if let vxlan = message.vxlan {
            self.vxlan = VXLANSettings(
                vni: vxlan.vni ?? 0,
                port: vxlan.port,
                local: vxlan.local.flatMap(IPv4Address.init(fourBytes:)),
                group: vxlan.group.flatMap(IPv4Address.init(fourBytes:)),
                underlyingIndex: vxlan.link.map { Int32(bitPattern: $0) },
                learning: vxlan.learning.map { $0 != 0 }
            )
        }
        if let type = message.tunType { tun = TunSettings(isTap: type == 2) }
        if let bridge = message.bridge {
            self.bridge = BridgeSettings(
                stpState: STPState(kernelValue: bridge.stpState ?? 0),
                forwardDelayCentiseconds: bridge.forwardDelay,
                vlanFiltering: (bridge.vlanFiltering ?? 0) != 0,
                vlanDefaultPVID: bridge.vlanDefaultPVID
            )
        }
        if let port = message.bridgePort {
            bridgePort = BridgePort(
                state: PortState(kernelValue: port.state ?? 0xFF),
                learning: port.learning.map { $0 != 0 },
                unicastFlood: port.unicastFlood.map { $0 != 0 },
                broadcastFlood: port.broadcastFlood.map { $0 != 0 },
                multicastFlood: port.multicastFlood.map { $0 != 0 },
                hairpin: port.mode.map { $0 != 0 },
                isolated: port.isolated.map { $0 != 0 }
            )
        }
    }
}

extension LinkKind {
    /// The kind for IFLA_INFO_KIND, or for a link without one, its ARPHRD type.
    init(infoKind: String?, deviceType: UInt16) {
        switch infoKind {
        case nil: self = deviceType == LinkMessage.deviceTypeLoopback ? .loopback : .physical
        case "veth": self = .veth
        case "bridge": self = .bridge
        case "macvlan", "macvtap": self = .macvlan
        case "ipvlan", "ipvtap": self = .ipvlan
        case "vlan": self = .vlan
        case "vxlan": self = .vxlan
        case "tun": self = .tun
        default: self = .other
        }
    }
}

extension IPv4Address {
    /// The address in four network-order bytes, or nil for any other length (such as an IPv6 address).
    init?(fourBytes bytes: [UInt8]) {
        guard bytes.count == 4 else { return nil }
        self.init(bytes: bytes)
    }
}
