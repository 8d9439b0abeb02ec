package import PacketCodec

/// One IPv4 route of the main table (RTM_NEWROUTE).
package struct Route: Codable, Sendable, Hashable {
    /// The destination network's address; 0.0.0.0 with prefix 0 for the default route.
    package var destination: IPv4Address
    package var prefixLength: Int
    package var gateway: IPv4Address?
    /// The output interface (RTA_OIF).
    package var interface: LinkReference?
    /// The preferred source address (RTA_PREFSRC).
    package var preferredSource: IPv4Address?
    package var metric: UInt32?
    /// `unicast`, `local`, `broadcast`, `blackhole`, `unreachable`, `prohibit` or the kernel's number.
    package var type: String
    /// `kernel`, `boot`, `static`, `dhcp` or the kernel's number.
    package var origin: String
    /// `global`, `link`, `host` or the kernel's number.
    package var scope: String

    package init(
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
    package var network: IPv4Network { IPv4Network(address: destination, prefixLength: prefixLength) }
}
