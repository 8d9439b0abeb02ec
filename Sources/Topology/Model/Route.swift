public import PacketCodec

/// One IPv4 route of the main table (RTM_NEWROUTE).
public struct Route: Codable, Sendable, Hashable {
    /// The destination network's address; 0.0.0.0 with prefix 0 for the default route.
    public var destination: IPv4Address
    public var prefixLength: Int
    public var gateway: IPv4Address?
    /// The output interface (RTA_OIF).
    public var interface: LinkReference?
    /// The preferred source address (RTA_PREFSRC).
    public var preferredSource: IPv4Address?
    public var metric: UInt32?
    /// `unicast`, `local`, `broadcast`, `blackhole`, `unreachable`, `prohibit` or the kernel's number.
    public var type: String
    /// `kernel`, `boot`, `static`, `dhcp` or the kernel's number.
    public var origin: String
    /// `global`, `link`, `host` or the kernel's number.
    public var scope: String

    public init(
        destination: IPv4Address,
        prefixLength: Int,
        gateway: IPv4Address? = nil,
        interface: LinkReference? = nil,
        preferredSource: IPv4Address? = nil,
        metric: UInt32? = nil,
        type: String = "unicast",
        origin: String = "boot",
        scope: String = "global"
    ) {
        self.destination = destination
        self.prefixLength = prefixLength
        self.gateway = gateway
        self.interface = interface
        self.preferredSource = preferredSource
        self.metric = metric
        self.type = type
        self.origin = origin
        self.scope = scope
    }

    /// The destination as a network.
    public var network: IPv4Network { IPv4Network(address: destination, prefixLength: prefixLength) }
}
