/// An RTM_NEWROUTE message: one route.
package struct RouteMessage: Sendable, Hashable {
    /// rtm_family: AF_INET (2).
    package var family: UInt8
    /// rtm_dst_len: the destination prefix length.
    package var destinationLength: UInt8
    /// RT_TABLE_*: 254 main, 255 local. RTA_TABLE overrides it for table ids above 255.
    package var table: UInt32
    /// RTPROT_*: 2 kernel, 3 boot, 4 static, 16 dhcp.
    package var origin: UInt8
    /// rtm_scope: RT_SCOPE_* (0 universe, 253 link, 254 host).
    package var scope: UInt8
    /// RTN_*: 1 unicast, 2 local, 3 broadcast, 6 blackhole, 7 unreachable, 8 prohibit.
    package var type: UInt8
    /// RTA_DST; absent for the default route.
    package var destination: [UInt8]?
    /// RTA_GATEWAY.
    package var gateway: [UInt8]?
    /// RTA_OIF.
    package var outputInterface: Int32?
    /// RTA_PREFSRC.
    package var preferredSource: [UInt8]?
    /// RTA_PRIORITY: the metric.
    package var priority: UInt32?

    /// RT_TABLE_MAIN.
    package static let mainTable: UInt32 = 254

    /// Decodes the payload of an RTM_NEWROUTE message.
    package init(payload: [UInt8]) throws(NetlinkError) {
        guard payload.count >= RouteNetlink.rtmsgLength else { throw .truncated("rtmsg") }
        family = payload[0]
        destinationLength = payload[1]
        origin = payload[5]
        scope = payload[6]
        type = payload[7]
        let attributes = try NetlinkAttributes(payload[RouteNetlink.rtmsgLength...])
        table = attributes.uint32(RouteNetlink.routeTable) ?? UInt32(payload[4])
        destination = attributes.bytes(RouteNetlink.routeDestination)
        gateway = attributes.bytes(RouteNetlink.routeGateway)
        outputInterface = attributes.int32(RouteNetlink.routeOutputInterface)
        preferredSource = attributes.bytes(RouteNetlink.routePreferredSource)
        priority = attributes.uint32(RouteNetlink.routePriority)
    }
}
