/// The settings that decide whether an interface answers, ignores or proxies ARP requests.
package struct ArpBehaviour: Sendable, Hashable, Codable {
    /// `arp_ignore`: 0 answer for any local address, 1 only for addresses on the receiving interface, 2 also
    /// only when the sender is in that address's subnet, 8 never.
    package var ignore: CombinedSetting
    /// `arp_announce`: which source address outgoing requests carry (0 any, 1 prefer same subnet, 2 best local).
    package var announce: CombinedSetting
    /// `arp_filter`: answer only on the interface the route back to the sender uses.
    package var filter: CombinedSetting
    /// `proxy_arp`: answer for addresses routed through another interface.
    package var proxyArp: CombinedSetting
    /// `arp_accept`: create neighbour entries from gratuitous ARP.
    package var accept: CombinedSetting

    package init(
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
    package var mayIgnoreRequestsForOtherInterfaces: Bool { ignore.effective >= 1 || filter.effective != 0 }
}

/// The IPv4 sysctls of one interface in one namespace.
package struct InterfaceSysctls: Sendable, Hashable, Codable {
    package var interface: String
    /// `forwarding`: whether packets arriving here may be routed on.
    package var forwarding: CombinedSetting
    /// `rp_filter`: 0 off, 1 strict (drop when the route back leaves by another interface), 2 loose.
    package var rpFilter: CombinedSetting
    package var arp: ArpBehaviour

    package init(interface: String, forwarding: CombinedSetting, rpFilter: CombinedSetting, arp: ArpBehaviour) {
        self.interface = interface
        self.forwarding = forwarding
        self.rpFilter = rpFilter
        self.arp = arp
    }

    /// Every setting, in a stable order, for printing.
    package var settings: [CombinedSetting] {
        [forwarding, rpFilter, arp.ignore, arp.announce, arp.filter, arp.proxyArp, arp.accept]
    }
}

/// The br_netfilter switches: whether bridged frames are passed through iptables/arptables hooks.
///
/// Per network namespace since Linux 5.3; absent (nil in `NamespaceSysctls`) when br_netfilter is not loaded.
package struct BridgeNetfilterSettings: Sendable, Hashable, Codable {
    /// `net.bridge.bridge-nf-call-iptables`: bridged IPv4 traffic meets the ip/inet FORWARD chains.
    package var callIptables: Bool
    /// `net.bridge.bridge-nf-call-arptables`: bridged ARP meets the arp FORWARD chain.
    package var callArptables: Bool
    /// `net.bridge.bridge-nf-call-ip6tables`.
    package var callIp6tables: Bool

    package init(callIptables: Bool, callArptables: Bool, callIp6tables: Bool) {
        self.callIptables = callIptables
        self.callArptables = callArptables
        self.callIp6tables = callIp6tables
    }
}

/// The forwarding and ARP sysctls of one network namespace.
package struct NamespaceSysctls: Sendable, Hashable, Codable {
    /// `net.ipv4.ip_forward` (the same switch as `conf/all/forwarding`).
    package var ipForward: Int
    package var bridgeNetfilter: BridgeNetfilterSettings?
    /// One entry per interface that has IPv4 configuration, sorted by name.
    package var interfaces: [InterfaceSysctls]

    package init(ipForward: Int, bridgeNetfilter: BridgeNetfilterSettings?, interfaces: [InterfaceSysctls]) {
        self.ipForward = ipForward
        self.bridgeNetfilter = bridgeNetfilter
        self.interfaces = interfaces
    }

    package func interface(named name: String) -> InterfaceSysctls? { interfaces.first { $0.interface == name } }
}
