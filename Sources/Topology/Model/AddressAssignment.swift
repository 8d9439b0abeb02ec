package import PacketCodec

/// One IPv4 address on one interface (RTM_NEWADDR).
package struct AddressAssignment: Codable, Sendable, Hashable {
    /// The interface the address is on.
    package var interface: LinkReference
    package var address: IPv4Address
    package var prefixLength: Int
    package var broadcast: IPv4Address?
    /// The address label (IFA_LABEL), such as `eth0:1`.
    package var label: String?
    /// `global`, `link`, `host` or the kernel's number.
    package var scope: String

    package init(
        interface: LinkReference,
        address: IPv4Address,
        prefixLength: Int,
        broadcast: IPv4Address? = nil,
        label: String? = nil,
        scope: String = "global"
    ) {
        self.interface = interface
        self.address = address
        self.prefixLength = prefixLength
        self.broadcast = broadcast
        self.label = label
        self.scope = scope
    }

    /// The network the address belongs to.
    package var network: IPv4Network { IPv4Network(address: address, prefixLength: prefixLength) }
}
