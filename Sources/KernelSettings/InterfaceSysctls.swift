/// The settings that decide whether an interface answers, ignores or proxies ARP requests.
public struct ArpBehaviour: Sendable, Hashable, Codable {
    /// `arp_ignore`: 0 answer for any local address, 1 only for addresses on the receiving interface, 2 also
    /// only when the sender is in that address's subnet, 8 never.
    public var ignore: CombinedSetting
    /// `arp_announce`: which source address outgoing requests carry (0 any, 1 prefer same subnet, 2 best local).
    public var announce: CombinedSetting
    /// `arp_filter`: answer only on the interface the route back to the sender uses.
    public var filter: CombinedSetting
    /// `proxy_arp`: answer for addresses routed through another interface.
    public var proxyArp: CombinedSetting
    /// `arp_accept`: create neighbour entries from gratuitous ARP.
    public var accept: CombinedSetting

    public init(
        ignore: CombinedSetting,
        announce: CombinedSetting,
        filter: CombinedSetting,
        proxyArp: CombinedSetting,
        accept: CombinedSetting
    ) {
        self.ignore = ignore
        self.announce = announce
        self.filter = filter
        self.proxyArp = proxyArp
        self.accept = accept
    }

    /// True when the interface may stay silent for an ARP request that names one of its namespace's addresses
    /// held on another interface (arp_ignore >= 1, or arp_filter on).
    public var mayIgnoreRequestsForOtherInterfaces: Bool { ignore.effective >= 1 || filter.effective != 0 }
}

/// The IPv4 sysctls of one interface in one namespace.
public struct InterfaceSysctls: Sendable, Hashable, Codable {
    public var interface: String
    /// `forwarding`: whether packets arriving here may be routed on.
    public var forwarding: CombinedSetting
    /// `rp_filter`: 0 off, 1 strict (drop when the route back leaves by another interface), 2 loose.
    public var rpFilter: CombinedSetting
    public var arp: ArpBehaviour

    public init(interface: String, forwarding: CombinedSetting, rpFilter: CombinedSetting, arp: ArpBehaviour) {
        self.interface = interface
        self.forwarding = forwarding
        self.rpFilter = rpFilter
        self.arp = arp
    }

    /// Every setting, in a stable order, for printing.
    public var settings: [CombinedSetting] {
        [forwarding, rpFilter, arp.ignore, arp.announce, arp.filter, arp.proxyArp, arp.accept]
    }
}

/// The br_netfilter switches: whether bridged frames are passed through iptables/arptables hooks.
///
/// Per network namespace since Linux 5.3; absent (nil in `NamespaceSysctls`) when br_netfilter is not loaded.
public struct BridgeNetfilterSettings: Sendable, Hashable, Codable {
    /// `net.bridge.bridge-nf-call-iptables`: bridged IPv4 traffic meets the ip/inet FORWARD chains.
    public var callIptables: Bool
    /// `net.bridge.bridge-nf-call-arptables`: bridged ARP meets the arp FORWARD chain.
    public var callArptables: Bool
    /// `net.bridge.bridge-nf-call-ip6tables`.
    public var callIp6tables: Bool

    public init(callIptables: Bool, callArptables: Bool, callIp6tables: Bool) {
        self.callIptables = callIptables
        self.callArptables = callArptables
        self.callIp6tables = callIp6tables
    }
}

/// The forwarding and ARP sysctls of one network namespace.
public struct NamespaceSysctls: Sendable, Hashable, Codable {
    /// `net.ipv4.ip_forward` (the same switch as `conf/all/forwarding`).
    public var ipForward: Int
    public var bridgeNetfilter: BridgeNetfilterSettings?
    /// One entry per interface that has IPv4 configuration, sorted by name.
    public var interfaces: [InterfaceSysctls]

    public init(ipForward: Int, bridgeNetfilter: BridgeNetfilterSettings?, interfaces: [InterfaceSysctls]) {
        self.ipForward = ipForward
        self.bridgeNetfilter = bridgeNetfilter
        self.interfaces = interfaces
    }

    public func interface(named name: String) -> InterfaceSysctls? { interfaces.first { $0.interface == name } }
}
