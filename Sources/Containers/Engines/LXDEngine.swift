import Foundation
internal import PacketCodec

/// LXD's containers. LXD runs each container through liblxc with its own lxcpath, so its monitor reads
/// `[lxc monitor] /var/lib/lxd/containers NAME` (snap: /var/snap/lxd/common/lxd/containers; Incus:
/// /var/lib/incus/containers), and the config LXD generated for liblxc is the container's log folder's lxc.conf
/// (/var/log/lxd/NAME/lxc.conf), with the usual `lxc.net.N.*` keys. A container of a project other than
/// `default` is named `PROJECT_NAME` there, and so here.
package enum LXDEngine {
    /// An lxcpath LXD (or Incus) runs its containers under, with the folder of its lxc.conf files.
    package struct Installation: Sendable, Hashable {
        package var containers: String
        package var logs: String

        package init(containers: String, logs: String) {
            self.containers = containers
            self.logs = logs
        }
    }

    package static let defaultInstallations = [
        Installation(containers: "/var/lib/lxd/containers", logs: "/var/log/lxd"),
        Installation(containers: "/var/snap/lxd/common/lxd/containers", logs: "/var/snap/lxd/common/lxd/logs"),
        Installation(containers: "/var/lib/incus/containers", logs: "/var/log/incus"),
    ]

    /// The installation whose containers folder is `lxcpath`, nil for a plain LXC lxcpath.
    package static func installation(
        forLXCPath lxcpath: String,
        among installations: [Installation] = defaultInstallations
    ) -> Installation? {
        let trimmed = lxcpath.hasSuffix("/") ? String(lxcpath.dropLast()) : lxcpath
        return installations.first { $0.containers == trimmed }
    }

    /// The installation of an LXD started with `LXD_DIR=dir`: its containers and logs are both under `dir`.
    package static func installation(lxdDirectory dir: String) -> Installation {
        Installation(containers: "\(dir)/containers", logs: "\(dir)/logs")
    }

    /// The container `name` running with `pid`. LXD 5 hands liblxc each NIC as `phys` (a host interface it made
    /// and names in `lxc.net.N.link`), so lxc.conf (`lxcConf`) gives the interface's name and MAC, and the
    /// container's backup.yaml (`backupYAML`, its `expanded_devices`) the network or parent and the NIC type.
    static func container(
        name: String,
        pid: Int32?,
        lxcConf: String?,
        backupYAML: String?,
        source: String
    ) -> EngineContainer {
        let declared = lxcConf.map { LXCConfig.parse($0, file: source).networks } ?? []
        let devices = backupYAML.map(nicDevices) ?? []
        var networks: [EngineNetwork] = []
        for device in devices {
            let interface = device["name"]
            let declaration = declared.first { $0.name == interface }
            let parent = device["parent"] ?? device["network"]
            networks.append(
                EngineNetwork(
                    name: device["network"] ?? parent ?? interface ?? "nic",
                    // A NIC on a managed network says only `network:`; LXD's managed networks here are bridges.
                    driver: device["nictype"] ?? (device["network"] != nil ? "bridge" : nil),
                    interface: interface,
                    hostInterface: parent,
                    mac: device["hwaddr"].flatMap(MACAddress.init) ?? declaration?.mac,
                    ipv4: device["ipv4.address"].flatMap(IPv4Network.init)
                )
            )
        }
        // Without backup.yaml, what lxc.conf says is all there is.
        if devices.isEmpty {
            networks = declared.filter { $0.type != nil && $0.type != "empty" && $0.type != "none" }.map {
                EngineNetwork(
                    name: $0.link ?? "eth\($0.index)",
                    driver: $0.type,
                    interface: $0.name,
                    hostInterface: $0.link,
                    mac: $0.mac,
                    ipv4: $0.ipv4Networks.first
                )
            }
        }
        return EngineContainer(engine: .lxd, name: name, id: name, pid: pid, networks: networks, source: source)
    }

    /// The `type: nic` entries of backup.yaml's `container.expanded_devices`, each as its `key: value` lines plus
    /// `device` (its key) and `hwaddr` (from `expanded_config`'s `volatile.DEVICE.hwaddr`, which LXD sets also for
    /// a NIC added while the container runs, absent from lxc.conf until the next start). LXD writes this part of
    /// the file in a fixed shape (two spaces per level), which is all this reads.
    static func nicDevices(backupYAML text: String) -> [[String: String]] {
        var devices: [[String: String]] = []
        var hwaddrs: [String: String] = [:]
        var current: [String: String]?
        var section = ""
        func close() {
            if let current, section == "expanded_devices:" { devices.append(current) }
            current = nil
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let indent = line.prefix { $0 == " " }.count
            let content = line.trimmingCharacters(in: .whitespaces)
            guard !content.isEmpty, let colon = content.firstIndex(of: ":") else { continue }
            let key = String(content[..<colon])
            var value = content[content.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.first == "\"" || value.first == "'", value.last == value.first {
                value = String(value.dropFirst().dropLast())
            }
            if indent <= 2 {
                close()
                section = indent == 2 ? content : ""
            } else if section == "expanded_config:", indent == 4, key.hasPrefix("volatile."), key.hasSuffix(".hwaddr") {
                hwaddrs[String(key.dropFirst("volatile.".count).dropLast(".hwaddr".count))] = value
            } else if section == "expanded_devices:", indent == 4 {
                close()
                current = ["device": key]
            } else if section == "expanded_devices:", indent == 6 {
                current?[key] = value
            }
        }
        close()
        return devices.filter { $0["type"] == "nic" }.map { device in
            var device = device
            if device["hwaddr"] == nil, let key = device["device"] { device["hwaddr"] = hwaddrs[key] }
            return device
        }
    }

    /// The container `name` of `installation`, reading its lxc.conf and backup.yaml from disk.
    static func container(name: String, pid: Int32?, installation: Installation) -> EngineContainer {
        let path = "\(installation.logs)/\(name)/lxc.conf"
        func text(_ path: String) -> String? {
            FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
        }
        return container(
            name: name,
            pid: pid,
            lxcConf: text(path),
            backupYAML: text("\(installation.containers)/\(name)/backup.yaml"),
            source: path
        )
    }
}
