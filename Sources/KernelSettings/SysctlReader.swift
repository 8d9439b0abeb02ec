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

    /// The settings of every namespace of `namespaces`, read by `maxConcurrent` threads that each switch from
    /// namespace to namespace; results in the same order.
    package static func read(
        in namespaces: [NetworkNamespace],
        maxConcurrent: Int = 8
    ) -> [Result<NamespaceSysctls, any Error>] {
        mapInNetworkNamespaces(namespaces, name: "read sysctls", maxThreads: maxConcurrent) { index in
            do throws(KernelSettingsError) {
                return try readCurrent()
            } catch {
                throw KernelSettingsError(subject: "\(error.subject) in \(namespaces[index])", reason: error.reason)
            }
        }
    }

    /// The settings of the namespace the calling thread is in.
    ///
    /// One walk: `root` is opened once and every file is opened relative to it. Under /proc/sys each path
    /// component is looked up among every namespace's entries of that name (they share one name in the
    /// kernel's directory cache), so a full path per file made reading a thousand namespaces quadratic.
    package static func readCurrent(root: String = "/proc/sys/net") throws(KernelSettingsError) -> NamespaceSysctls {
        let conf = "\(root)/ipv4/conf"
        let net: FileDescriptor
        let ipv4: FileDescriptor
        let confDirectory: FileDescriptor
        let names: [String]
        do {
            net = try FileDescriptor.open(root, flags: O_RDONLY | O_DIRECTORY)
            ipv4 = try net.open("ipv4", flags: O_RDONLY | O_DIRECTORY)
            confDirectory = try ipv4.open("conf", flags: O_RDONLY | O_DIRECTORY)
            names = try confDirectory.names()
        } catch {
            throw KernelSettingsError(subject: conf, reason: "\(error)")
        }
        let interfaceNames = names.filter { $0 != "all" && $0 != "default" }.sorted()
        let all = try values(in: confDirectory, "all", path: "\(conf)/all")
        let defaults = try values(in: confDirectory, "default", path: "\(conf)/default")
        var interfaces: [InterfaceSysctls] = []
        for name in interfaceNames {
            // An interface can vanish between the listing and the read; skip it rather than fail the whole read.
            guard let own = try? values(in: confDirectory, name, path: "\(conf)/\(name)") else { continue }
            interfaces.append(combine(interface: name, all: all, defaults: defaults, own: own))
        }
        var bridgeNetfilter: BridgeNetfilterSettings?
        // br_netfilter not loaded: no bridge directory, nothing calls netfilter for bridged frames.
        if let bridge = try? net.open("bridge", flags: O_RDONLY | O_DIRECTORY) {
            let path = "\(root)/bridge"
            bridgeNetfilter = BridgeNetfilterSettings(
                callIptables: try integer(bridge, "bridge-nf-call-iptables", path: path) != 0,
                callArptables: try integer(bridge, "bridge-nf-call-arptables", path: path) != 0,
                callIp6tables: try integer(bridge, "bridge-nf-call-ip6tables", path: path) != 0
            )
        }
        return NamespaceSysctls(
            ipForward: try integer(ipv4, "ip_forward", path: "\(root)/ipv4"),
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

    /// The raw values in `directory`'s subdirectory `name` (at `path`, for messages).
    private static func values(
        in directory: FileDescriptor,
        _ name: String,
        path: String
    ) throws(KernelSettingsError) -> [String: Int] {
        let own: FileDescriptor
        do { own = try directory.open(name, flags: O_RDONLY | O_DIRECTORY) } catch {
            throw KernelSettingsError(subject: path, reason: "missing or unreadable")
        }
        var result: [String: Int] = [:]
        for (setting, _) in rules { result[setting] = try integer(own, setting, path: path) }
        return result
    }

    /// The number in the file `name` of `directory` (at `path`, for messages).
    private static func integer(
        _ directory: FileDescriptor,
        _ name: String,
        path: String
    ) throws(KernelSettingsError)
        -> Int
    {
        let bytes: [UInt8]
        do { bytes = try directory.contents(of: name) } catch {
            throw KernelSettingsError(subject: "\(path)/\(name)", reason: "missing or unreadable")
        }
        let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let value = Int(text) else {
            throw KernelSettingsError(subject: "\(path)/\(name)", reason: "not a number: \(text)")
        }
        return value
    }
}
