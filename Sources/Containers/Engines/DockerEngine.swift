import Foundation
internal import PacketCodec

/// Docker's containers, read from its data root (`--data-root`, /var/lib/docker by default):
/// containers/ID/config.v2.json says each container's name, state, process, sandbox (its namespace file under
/// the exec root's netns/) and the networks it joined with their addresses and MACs; network/files/local-kv.db
/// says each network's driver, its bridge (bridge driver) or parent (macvlan, ipvlan).
package enum DockerEngine {
    package static let defaultDataRoot = "/var/lib/docker"

    /// A network as Docker's key-value store records it.
    struct NetworkRecord: Sendable, Hashable {
        var name: String
        var driver: String?
        var hostInterface: String?
    }

    /// Every container under `dataRoot`, sorted by name.
    package static func scan(dataRoot: String = defaultDataRoot) -> [EngineContainer] {
        let folder = "\(dataRoot)/containers"
        let ids = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        let store = FileManager.default.contents(atPath: "\(dataRoot)/network/files/local-kv.db").map { [UInt8]($0) }
        let networks = store.map { networkRecords(keyValueStore: $0) } ?? [:]
        return ids.compactMap { id in
            let path = "\(folder)/\(id)/config.v2.json"
            return FileManager.default.contents(atPath: path).flatMap {
                container(configV2: $0, source: path, networks: networks)
            }
        }.sorted { $0.name < $1.name }
    }

    private struct ConfigV2: Decodable {
        struct State: Decodable {
            var Running: Bool?
            var Pid: Int32?
        }
        struct Endpoint: Decodable {
            var NetworkID: String?
            var IPAddress: String?
            var IPPrefixLen: Int?
            var MacAddress: String?
        }
        struct Settings: Decodable {
            var SandboxKey: String?
            var Networks: [String: Endpoint]?
        }
        var ID: String
        var Name: String
        var State: State?
        var NetworkSettings: Settings?
    }

    /// One container from its config.v2.json; nil when the file is not one.
    static func container(configV2 data: Data, source: String, networks: [String: NetworkRecord]) -> EngineContainer? {
        guard let config = try? JSONDecoder().decode(ConfigV2.self, from: data) else { return nil }
        let running = config.State?.Running == true
        let pid = config.State?.Pid.flatMap { running && $0 > 0 ? $0 : nil }
        let sandbox = config.NetworkSettings?.SandboxKey.flatMap { running && !$0.isEmpty ? $0 : nil }
        let attached = (config.NetworkSettings?.Networks ?? [:]).sorted { $0.key < $1.key }.map { name, endpoint in
            let record = endpoint.NetworkID.flatMap { networks[$0] }
            let ipv4 = endpoint.IPAddress.flatMap { address in
                address.isEmpty ? nil : IPv4Network("\(address)/\(endpoint.IPPrefixLen ?? 32)")
            }
            return EngineNetwork(
                name: name,
                // A container never started has no NetworkID yet; Docker's own two networks go by their drivers.
                driver: record?.driver ?? ["host": "host", "none": "null"][name],
                hostInterface: record?.hostInterface,
                mac: endpoint.MacAddress.flatMap(MACAddress.init),
                ipv4: ipv4
            )
        }
        return EngineContainer(
            engine: .docker,
            name: config.Name.hasPrefix("/") ? String(config.Name.dropFirst()) : config.Name,
            id: config.ID,
            pid: pid,
            namespaceFile: sandbox,
            networks: attached,
            source: source
        )
    }

    /// Network id to name, driver and host interface, from local-kv.db's values: the network objects
    /// (`networkType`), the bridge driver's (`BridgeName`) and the macvlan/ipvlan drivers' (`Parent`).
    static func networkRecords(keyValueStore bytes: [UInt8]) -> [String: NetworkRecord] {
        var records: [String: NetworkRecord] = [:]
        var hostInterfaces: [String: String] = [:]
        for object in EngineStateJSON.objects(in: bytes) {
            if let id = object["id"] as? String, let name = object["name"] as? String,
                let driver = object["networkType"] as? String
            {
                records[id] = NetworkRecord(name: name, driver: driver)
            } else if let id = object["ID"] as? String {
                if let bridge = object["BridgeName"] as? String, !bridge.isEmpty {
                    hostInterfaces[id] = bridge
                } else if let parent = object["Parent"] as? String, !parent.isEmpty {
                    hostInterfaces[id] = parent
                }
            }
        }
        for (id, interface) in hostInterfaces { records[id]?.hostInterface = interface }
        return records
    }
}
