import Foundation
internal import PacketCodec

/// Podman's containers (rootful), read from its storage root (`--root`, /var/lib/containers/storage), run root
/// (`--runroot`, /run/containers/storage) and network config folder (`--network-config-dir`,
/// /etc/containers/networks, netavark's):
/// - STORAGE/DRIVER-containers/containers.json: each container's id and name;
/// - STORAGE/DRIVER-containers/ID/userdata/config.json (the OCI spec): its network namespace file,
///   /run/netns/netns-UUID;
/// - RUN/DRIVER-containers/ID/userdata/pidfile: its process, while it runs;
/// - STORAGE/libpod/bolt_state.db: each container's state with `networkStatus` (network, interface, address,
///   MAC) and, for the network config files, each network's driver and bridge or parent.
package enum PodmanEngine {
    /// Where one Podman keeps its state.
    package struct Paths: Sendable, Hashable {
        package var storage: String
        package var run: String
        package var networks: String

        package init(
            storage: String = "/var/lib/containers/storage",
            run: String = "/run/containers/storage",
            networks: String = "/etc/containers/networks"
        ) {
            self.storage = storage
            self.run = run
            self.networks = networks
        }
    }

    /// A network config file's driver and host interface (netavark's `network_interface`).
    struct NetworkRecord: Sendable, Hashable {
        var driver: String?
        var hostInterface: String?
    }

    /// What bolt_state.db says about one container's networks.
    struct NetworkStatus: Sendable, Hashable {
        var network: String
        var interface: String
        var mac: MACAddress?
        var ipv4: IPv4Network?
    }

    /// Every container of the Podman at `paths`, sorted by name; `isAlive` tells whether a pid still runs.
    package static func scan(
        _ paths: Paths = Paths(),
        isAlive: (Int32) -> Bool = { FileManager.default.fileExists(atPath: "/proc/\($0)") }
    ) -> [EngineContainer] {
        let manager = FileManager.default
        let drivers = ((try? manager.contentsOfDirectory(atPath: paths.storage)) ?? []).filter {
            $0.hasSuffix("-containers")
        }
        let state = manager.contents(atPath: "\(paths.storage)/libpod/bolt_state.db").map { [UInt8]($0) }
        let statuses = state.map { networkStatuses(boltState: $0) } ?? [:]
        let records = networkRecords(directory: paths.networks)
        var found: [EngineContainer] = []
        for driver in drivers.sorted() {
            let listing = "\(paths.storage)/\(driver)/containers.json"
            guard let data = manager.contents(atPath: listing),
                let entries = try? JSONDecoder().decode([StorageEntry].self, from: data)
            else { continue }
            for entry in entries {
                let userdata = "\(driver)/\(entry.id)/userdata"
                let pid = manager.contents(atPath: "\(paths.run)/\(userdata)/pidfile")
                    .flatMap {
                        Int32(String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
                    }
                    .flatMap { isAlive($0) ? $0 : nil }
                let spec = manager.contents(atPath: "\(paths.storage)/\(userdata)/config.json")
                found.append(
                    container(
                        entry: entry,
                        ociConfig: spec,
                        pid: pid,
                        statuses: statuses[entry.id] ?? [],
                        networks: records,
                        source: listing
                    )
                )
            }
        }
        return found.sorted { $0.name < $1.name }
    }

    struct StorageEntry: Decodable, Sendable {
        var id: String
        var names: [String]?
    }

    private struct OCIConfig: Decodable {
        struct Linux: Decodable {
            struct Namespace: Decodable {
                var type: String
                var path: String?
            }
            var namespaces: [Namespace]?
        }
        var linux: Linux?
    }

    /// One container from its storage entry and files. Its namespace file counts only while it runs.
    static func container(
        entry: StorageEntry,
        ociConfig: Data?,
        pid: Int32?,
        statuses: [NetworkStatus],
        networks: [String: NetworkRecord],
        source: String
    ) -> EngineContainer {
        let spec = ociConfig.flatMap { try? JSONDecoder().decode(OCIConfig.self, from: $0) }
        let netns = spec?.linux?.namespaces?.first { $0.type == "network" }?.path
        let attached = statuses.map { status in
            EngineNetwork(
                name: status.network,
                driver: networks[status.network]?.driver,
                interface: status.interface,
                hostInterface: networks[status.network]?.hostInterface,
                mac: status.mac,
                ipv4: status.ipv4
            )
        }
        return EngineContainer(
            engine: .podman,
            name: entry.names?.first ?? String(entry.id.prefix(12)),
            id: entry.id,
            pid: pid,
            namespaceFile: pid == nil ? nil : netns.flatMap { $0.isEmpty ? nil : $0 },
            networks: attached,
            source: source
        )
    }

    /// Network name to driver and host interface, from the network config files in `directory`.
    static func networkRecords(directory: String) -> [String: NetworkRecord] {
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter {
            $0.hasSuffix(".json")
        }
        var records: [String: NetworkRecord] = [:]
        for file in files {
            guard let data = FileManager.default.contents(atPath: "\(directory)/\(file)"),
                let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                let name = object["name"] as? String
            else { continue }
            records[name] = NetworkRecord(
                driver: object["driver"] as? String,
                hostInterface: object["network_interface"] as? String
            )
        }
        return records
    }

    /// Container id to its networks, from bolt_state.db's state objects (which name their container by `runDir`,
    /// RUN/DRIVER-containers/ID/userdata). A container can have stale copies in freed pages: the one of a running
    /// state (3) wins, else the last in the file.
    static func networkStatuses(boltState bytes: [UInt8]) -> [String: [NetworkStatus]] {
        var chosen: [String: (running: Bool, statuses: [NetworkStatus])] = [:]
        for object in EngineStateJSON.objects(in: bytes) {
            guard let runDir = object["runDir"] as? String, object["state"] != nil else { continue }
            let parts = runDir.split(separator: "/")
            guard parts.count >= 2, parts.last == "userdata" else { continue }
            let id = String(parts[parts.count - 2])
            let running = (object["state"] as? Int) == 3
            if let previous = chosen[id], previous.running, !running { continue }
            var statuses: [NetworkStatus] = []
            let status = object["networkStatus"] as? [String: Any] ?? [:]
            for network in status.keys.sorted() {
                let interfaces = (status[network] as? [String: Any])?["interfaces"] as? [String: Any] ?? [:]
                for name in interfaces.keys.sorted() {
                    let interface = interfaces[name] as? [String: Any] ?? [:]
                    let subnets = interface["subnets"] as? [[String: Any]] ?? []
                    let ipv4 = subnets.lazy.compactMap { ($0["ipnet"] as? String).flatMap(IPv4Network.init) }.first
                    statuses.append(
                        NetworkStatus(
                            network: network,
                            interface: name,
                            mac: (interface["mac_address"] as? String).flatMap(MACAddress.init),
                            ipv4: ipv4
                        )
                    )
                }
            }
            chosen[id] = (running, statuses)
        }
        return chosen.mapValues(\.statuses)
    }
}
