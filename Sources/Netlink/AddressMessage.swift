/// An RTM_NEWADDR message: one address on one interface.
package struct AddressMessage: Sendable, Hashable {
    /// AF_INET (2) or AF_INET6 (10).
    package var family: UInt8
    /// ifa_prefixlen.
    package var prefixLength: UInt8
    /// RT_SCOPE_*: 0 universe, 200 site, 253 link, 254 host.
    package var scope: UInt8
    /// ifa_index: the interface the address is on.
    package var index: Int32
    /// IFA_LOCAL when present (the interface's own address), else IFA_ADDRESS.
    package var address: [UInt8]?
    /// IFA_BROADCAST.
    package var broadcast: [UInt8]?
    /// IFA_LABEL, such as `eth0:1`.
    package var label: String?

    /// Decodes the payload of an RTM_NEWADDR message.
    package init(payload: [UInt8]) throws(NetlinkError) {
        guard payload.count >= RouteNetlink.ifaddrmsgLength else { throw .truncated("ifaddrmsg") }
        family = payload[0]
        prefixLength = payload[1]
        scope = payload[3]
        index = Int32(bitPattern: payload.loadUInt32(at: 4))
        let attributes = try NetlinkAttributes(payload[RouteNetlink.ifaddrmsgLength...])
        // On point-to-point links IFA_ADDRESS is the peer; IFA_LOCAL is always our own.
        address = attributes.bytes(RouteNetlink.addressLocal) ?? attributes.bytes(RouteNetlink.addressAddress)
        broadcast = attributes.bytes(RouteNetlink.addressBroadcast)
        label = attributes.string(RouteNetlink.addressLabel)
    }
}
