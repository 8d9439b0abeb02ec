internal import Foundation
package import LinuxNet

/// Reads a namespace's forwarding and ARP sysctls from /proc/sys/net.
///
/// /proc/sys/net is resolved against the network namespace of the thread that looks the path up (not the process,
/// and not the namespace /proc was mounted from; /proc/self/net, by contrast, follows the thread-group leader). So
/// the files are read on a thread that `withNetworkNamespace` moved into the namespace. The integration test sets
/// a value differently in two namespaces to hold this in place.
package enum SysctlReader {
    /// The settings of `namespace`, read on a thread inside it.
    package static func read(in namespace: NetworkNamespace) throws -> NamespaceSysctls {
        try withNetworkNamespace(namespace) {
            do throws(KernelSettingsError) {
                return try readCurrent()
            } catch {
                throw KernelSettingsError(subject: "\(error.subject) in \(namespace)", reason: error.reason)
            }
        }
    }

    /// The settings of the namespace the calling thread is in.
    package static func readCurrent(root: String = "/proc/sys/net") throws(KernelSettingsError) -> NamespaceSysctls {
        let conf = "\(root)/ipv4/conf"
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: conf)
        } catch {
            throw KernelSettingsError(subject: conf, reason: "\(error.localizedDescription)")
        }
        let interfaceNames = names.filter { $0 != "all" && $0 != "default" }.sorted()
        let all = try values(in: "\(conf)/all")
        let defaults = try values(in: "\(conf)/default")
        var interfaces: [InterfaceSysctls] = []
        for name in interfaceNames {
            // An interface can vanish between the listing and the read; skip it rather than fail the whole read.
            guard let own = try? values(in: "\(conf)/\(name)") else { continue }
            interfaces.append(combine(interface: name, all: all, defaults: defaults, own: own))
        }
        let bridge = "\(root)/bridge"
        var bridgeNetfilter: BridgeNetfilterSettings?
        if FileManager.default.fileExists(atPath: bridge) {
            bridgeNetfilter = BridgeNetfilterSettings(
                callIptables: try integer(at: "\(bridge)/bridge-nf-call-iptables") != 0,
                callArptables: try integer(at: "\(bridge)/bridge-nf-call-arptables") != 0,
                callIp6tables: try integer(at: "\(bridge)/bridge-nf-call-ip6tables") != 0
            )
        }
        return NamespaceSysctls(
            ipForward: try integer(at: "\(root)/ipv4/ip_forward"),
            bridgeNetfilter: bridgeNetfilter,
            interfaces: interfaces
        )
    }

    /// The settings lxcdiag reads, with the kernel's rule for each.
    static let rules: [(name: String, rule: CombiningRule)] = [
        ("forwarding", .interfaceOnly), ("rp_filter", .maximum), ("arp_ignore", .maximum),
        ("arp_announce", .maximum), ("arp_filter", .either), ("proxy_arp", .either), ("arp_accept", .maximum),
    ]

    /// Builds an interface's settings from the raw `all`, `default` and interface values (keyed by sysctl name).
    package static func combine(
        interface: String,
        all: [String: Int],
        defaults: [String: Int],
        own: [String: Int]
    ) -> InterfaceSysctls {
        func setting(_ name: String) -> CombinedSetting {
            let rule = rules.first { $0.name == name }?.rule ?? .interfaceOnly
            return CombinedSetting(
                name: name,
                all: all[name] ?? 0,
                defaultValue: defaults[name] ?? 0,
                interface: own[name] ?? 0,
                rule: rule
            )
        }
        return InterfaceSysctls(
            interface: interface,
            forwarding: setting("forwarding"),
            rpFilter: setting("rp_filter"),
            arp: ArpBehaviour(
                ignore: setting("arp_ignore"),
                announce: setting("arp_announce"),
                filter: setting("arp_filter"),
                proxyArp: setting("proxy_arp"),
                accept: setting("arp_accept")
            )
        )
    }

    private static func values(in directory: String) throws(KernelSettingsError) -> [String: Int] {
        var result: [String: Int] = [:]
        for (name, _) in rules { result[name] = try integer(at: "\(directory)/\(name)") }
        return result
    }

    private static func integer(at path: String) throws(KernelSettingsError) -> Int {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw KernelSettingsError(subject: path, reason: "missing or unreadable")
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let value = Int(text) else {
            throw KernelSettingsError(subject: path, reason: "not a number: \(text)")
        }
        return value
    }
}
