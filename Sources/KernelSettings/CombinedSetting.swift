/// How the kernel combines `conf/all/X` with `conf/IFACE/X` into the value it acts on.
///
/// From include/linux/inetdevice.h: `IN_DEV_MAXCONF` (the larger of the two), `IN_DEV_ORCONF` (on if either is on),
/// and plain `IN_DEV_CONF_GET` (the interface's own value; writing `all` copies itself into every interface).
package enum CombiningRule: String, Sendable, Codable, Hashable {
    /// `max(all, interface)`: rp_filter, arp_ignore, arp_announce, arp_accept.
    case maximum
    /// `all || interface`: arp_filter, proxy_arp.
    case either
    /// The interface's own value: forwarding.
    case interfaceOnly
}

/// One per-interface IPv4 setting as the kernel sees it: the raw `all`, `default` and interface values, and the
/// effective value the combining rule yields.
///
/// `default` only seeds interfaces created later; it never affects an existing interface, but a reader who set it
/// and wonders why nothing changed needs to see it.
package struct CombinedSetting: Sendable, Hashable, Codable {
    /// The sysctl's leaf name, such as `rp_filter`.
    package var name: String
    package var all: Int
    package var defaultValue: Int
    package var interface: Int
    package var rule: CombiningRule

    package init(name: String, all: Int, defaultValue: Int, interface: Int, rule: CombiningRule) {
        self.name = name
        self.all = all
        self.defaultValue = defaultValue
        self.interface = interface
        self.rule = rule
    }

    /// The value the kernel acts on for this interface.
    package var effective: Int {
        switch rule {
        case .maximum: max(all, interface)
        case .either: (all != 0 || interface != 0) ? 1 : 0
        case .interfaceOnly: interface
        }
    }

    /// True when `all` decides the effective value, not the interface's own setting (the usual surprise).
    package var isDecidedByAll: Bool {
        switch rule {
        case .maximum: all > interface
        case .either: all != 0 && interface == 0
        case .interfaceOnly: false
        }
    }

    enum CodingKeys: String, CodingKey {
        case name, all, interface, rule, effective
        case defaultValue = "default"
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        all = try container.decode(Int.self, forKey: .all)
        defaultValue = try container.decode(Int.self, forKey: .defaultValue)
        interface = try container.decode(Int.self, forKey: .interface)
        rule = try container.decode(CombiningRule.self, forKey: .rule)
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(all, forKey: .all)
        try container.encode(defaultValue, forKey: .defaultValue)
        try container.encode(interface, forKey: .interface)
        try container.encode(rule, forKey: .rule)
        try container.encode(effective, forKey: .effective)
    }
}
