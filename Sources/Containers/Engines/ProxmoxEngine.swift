import Foundation
internal import PacketCodec

/// Proxmox VE's containers (CTs), read from /etc/pve/lxc/VMID.conf: `netN: name=eth0,bridge=vmbr0,hwaddr=...,
/// ip=192.0.2.50/24,type=veth` per interface. A running CT is an LXC container named by its VMID under
/// /var/lib/lxc, so its process comes from the LXC monitors the inventory already found.
package enum ProxmoxEngine {
    package static let defaultConfigDirectory = "/etc/pve/lxc"

    /// Every CT with a config under `directory`; `running` maps a VMID to its init's pid.
    package static func scan(
        directory: String = defaultConfigDirectory,
        running: [String: Int32]
    ) -> [EngineContainer] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return files.filter { $0.hasSuffix(".conf") }.sorted().compactMap { file in
            let path = "\(directory)/\(file)"
            let vmid = String(file.dropLast(".conf".count))
            guard let data = FileManager.default.contents(atPath: path) else { return nil }
            return container(
                vmid: vmid,
                config: String(decoding: data, as: UTF8.self),
                source: path,
                pid: running[vmid]
            )
        }
    }

    /// One CT from its config text; nil when `vmid` is not a number (Proxmox names files by VMID only).
    static func container(vmid: String, config: String, source: String, pid: Int32?) -> EngineContainer? {
        guard !vmid.isEmpty, vmid.allSatisfy(\.isNumber) else { return nil }
        var networks: [(Int, EngineNetwork)] = []
        for line in config.split(separator: "\n") {
            // Snapshots follow in `[name]` sections; only the current configuration counts.
            if line.hasPrefix("[") { break }
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces)
            guard key.hasPrefix("net"), let index = Int(key.dropFirst(3)) else { continue }
            var options: [String: String] = [:]
            for option in line[line.index(after: colon)...].split(separator: ",") {
                let pair = option.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                if pair.count == 2 { options[pair[0]] = pair[1] }
            }
            let bridge = options["bridge"]
            networks.append(
                (
                    index,
                    EngineNetwork(
                        name: bridge ?? key,
                        driver: options["type"] ?? "veth",
                        interface: options["name"],
                        hostInterface: bridge,
                        mac: options["hwaddr"].flatMap(MACAddress.init),
                        ipv4: options["ip"].flatMap(IPv4Network.init)
                    )
                )
            )
        }
        return EngineContainer(
            engine: .proxmox,
            name: vmid,
            id: vmid,
            pid: pid,
            networks: networks.sorted { $0.0 < $1.0 }.map(\.1),
            source: source
        )
    }
}
