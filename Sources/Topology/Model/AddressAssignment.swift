public import PacketCodec

/// One IPv4 address on one interface (RTM_NEWADDR).
public struct AddressAssignment: Codable, Sendable, Hashable {
    /// The interface the address is on.
    public var interface: LinkReference
    public var address: IPv4Address
    public var prefixLength: Int
    public var broadcast: IPv4Address?
    /// The address label (IFA_LABEL), such as `eth0:1`.
    public var label: String?
    /// `global`, `link`, `host` or the kernel's number.
    public var scope: String

    public init(
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
    public var network: IPv4Network { IPv4Network(address: address, prefixLength: prefixLength) }
}
