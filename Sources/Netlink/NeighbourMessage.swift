/// An RTM_NEWNEIGH message: an ARP cache entry (AF_INET) or a bridge FDB entry (AF_BRIDGE).
package struct NeighbourMessage: Sendable, Hashable {
    /// ndm_family: AF_INET (2) or AF_BRIDGE (7).
    package var family: UInt8
    /// The interface: for an ARP entry its device, for an FDB entry the bridge port (or vxlan device).
    package var index: Int32
    /// NUD_* bits.
    package var state: UInt16
    /// NTF_* bits: 0x02 self, 0x04 master, 0x08 proxy, 0x10 extern_learn, 0x20 offloaded, 0x40 sticky,
    /// 0x80 router.
    package var flags: UInt8
    /// NDA_DST: the IPv4 address of an ARP entry, or a vxlan FDB entry's remote.
    package var destination: [UInt8]?
    /// NDA_LLADDR: the MAC.
    package var linkAddress: [UInt8]?
    /// NDA_VLAN: the VLAN of an FDB entry.
    package var vlan: UInt16?
    /// NDA_MASTER: the bridge an FDB entry belongs to.
    package var master: Int32?

    /// Whether this is a bridge FDB entry rather than an ARP entry.
    package var isBridgeEntry: Bool { family == RouteNetlink.familyBridge }

    /// Decodes the payload of an RTM_NEWNEIGH message.
    package init(payload: [UInt8]) throws(NetlinkError) {
        guard payload.count >= RouteNetlink.ndmsgLength else { throw .truncated("ndmsg") }
        family = payload[0]
        index = Int32(bitPattern: payload.loadUInt32(at: 4))
        state = payload.loadUInt16(at: 8)
        flags = payload[10]
        let attributes = try NetlinkAttributes(payload[RouteNetlink.ndmsgLength...])
        destination = attributes.bytes(RouteNetlink.neighbourDestination)
        linkAddress = attributes.bytes(RouteNetlink.neighbourLinkAddress)
        vlan = attributes.uint16(RouteNetlink.neighbourVLAN)
        master = attributes.int32(RouteNetlink.neighbourMaster)
    }
}
