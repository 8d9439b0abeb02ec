/// Numbers from linux/netlink.h, rtnetlink.h, if_link.h, neighbour.h and net_namespace.h.
///
/// They are part of the kernel's stable ABI. Swift cannot import the headers' enums without pulling them into
/// a public C API, so the values the decoders need are repeated here by their kernel names.
enum RouteNetlink {
    // Message types.
    static let done: UInt16 = 3  // NLMSG_DONE
    static let error: UInt16 = 2  // NLMSG_ERROR
    static let newLink: UInt16 = 16  // RTM_NEWLINK
    static let getLink: UInt16 = 18  // RTM_GETLINK
    static let newAddress: UInt16 = 20  // RTM_NEWADDR
    static let getAddress: UInt16 = 22  // RTM_GETADDR
    static let newRoute: UInt16 = 24  // RTM_NEWROUTE
    static let getRoute: UInt16 = 26  // RTM_GETROUTE
    static let newNeighbour: UInt16 = 28  // RTM_NEWNEIGH
    static let getNeighbour: UInt16 = 30  // RTM_GETNEIGH
    static let newNsid: UInt16 = 88  // RTM_NEWNSID
    static let getNsid: UInt16 = 90  // RTM_GETNSID

    // Header flags.
    static let request: UInt16 = 0x1  // NLM_F_REQUEST
    static let multi: UInt16 = 0x2  // NLM_F_MULTI
    static let dump: UInt16 = 0x300  // NLM_F_ROOT | NLM_F_MATCH
    static let dumpInterrupted: UInt16 = 0x10  // NLM_F_DUMP_INTR

    // Address families.
    static let familyUnspecified: UInt8 = 0  // AF_UNSPEC
    static let familyIPv4: UInt8 = 2  // AF_INET
    static let familyBridge: UInt8 = 7  // AF_BRIDGE

    // Fixed header sizes.
    static let headerLength = 16  // NLMSG_HDRLEN
    static let ifinfomsgLength = 16
    static let ifaddrmsgLength = 8
    static let rtmsgLength = 12
    static let ndmsgLength = 12
    static let rtgenmsgLength = 4  // struct rtgenmsg, padded to NLMSG_ALIGNTO

    // IFLA_* (struct ifinfomsg attributes).
    static let linkAddress: UInt16 = 1
    static let linkName: UInt16 = 3
    static let linkMTU: UInt16 = 4
    static let linkLink: UInt16 = 5
    static let linkMaster: UInt16 = 10
    static let linkOperState: UInt16 = 16
    static let linkInfo: UInt16 = 18
    static let linkExtMask: UInt16 = 29
    static let linkPromiscuity: UInt16 = 30
    static let linkCarrier: UInt16 = 33
    static let linkNetnsID: UInt16 = 37
    static let skipStatsFilter: UInt32 = 8  // RTEXT_FILTER_SKIP_STATS
    static let bridgeVLANFilter: UInt32 = 2  // RTEXT_FILTER_BRVLAN
    static let linkAFSpec: UInt16 = 26  // IFLA_AF_SPEC
    static let bridgeVLANInfo: UInt16 = 2  // IFLA_BRIDGE_VLAN_INFO

    // IFLA_INFO_*.
    static let infoKind: UInt16 = 1
    static let infoData: UInt16 = 2
    static let infoSlaveKind: UInt16 = 4
    static let infoSlaveData: UInt16 = 5

    // IFLA_BR_*.
    static let bridgeForwardDelay: UInt16 = 1
    static let bridgeSTPState: UInt16 = 5
    static let bridgeVLANFiltering: UInt16 = 7
    static let bridgeVLANDefaultPVID: UInt16 = 39

    // IFLA_BRPORT_*.
    static let portState: UInt16 = 1
    static let portMode: UInt16 = 4
    static let portLearning: UInt16 = 8
    static let portUnicastFlood: UInt16 = 9
    static let portMulticastFlood: UInt16 = 27
    static let portBroadcastFlood: UInt16 = 30
    static let portIsolated: UInt16 = 33

    // IFLA_MACVLAN_*, IFLA_VLAN_*, IFLA_VXLAN_*, IFLA_TUN_*.
    static let macvlanMode: UInt16 = 1
    static let ipvlanMode: UInt16 = 1
    static let ipvlanFlags: UInt16 = 2
    static let vlanID: UInt16 = 1
    static let vlanProtocol: UInt16 = 5
    static let vxlanID: UInt16 = 1
    static let vxlanGroup: UInt16 = 2
    static let vxlanLink: UInt16 = 3
    static let vxlanLocal: UInt16 = 4
    static let vxlanLearning: UInt16 = 7
    static let vxlanPort: UInt16 = 15
    static let tunType: UInt16 = 3

    // IFA_*.
    static let addressAddress: UInt16 = 1
    static let addressLocal: UInt16 = 2
    static let addressLabel: UInt16 = 3
    static let addressBroadcast: UInt16 = 4

    // RTA_*.
    static let routeDestination: UInt16 = 1
    static let routeOutputInterface: UInt16 = 4
    static let routeGateway: UInt16 = 5
    static let routePriority: UInt16 = 6
    static let routePreferredSource: UInt16 = 7
    static let routeTable: UInt16 = 15

    // NDA_*.
    static let neighbourDestination: UInt16 = 1
    static let neighbourLinkAddress: UInt16 = 2
    static let neighbourVLAN: UInt16 = 5
    static let neighbourMaster: UInt16 = 9

    // NETNSA_*.
    static let nsidID: UInt16 = 1
    static let nsidFD: UInt16 = 3
}
