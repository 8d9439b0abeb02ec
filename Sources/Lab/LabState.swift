import Foundation
internal import NetworkModel
internal import PacketCodec

/// What a lab made, recorded in `/run/lxcdiag/labs/<name>.json` so that `down` removes exactly that.
///
/// `up` records each namespace and container just before making it, so the record also covers a build
/// that failed or was killed half way.
package struct LabState: Codable, Sendable, Equatable {
    package static let schema = "lxcdiag.lab/1"

    package var schema: String
    package var name: String
    package var backend: LabBackend
    package var macvlanMode: MacvlanMode
    /// Named namespaces the lab made (or was about to make), in creation order.
    package var namespaces: [String]
    /// LXC containers the lab made (or was about to make).
    package var containers: [String]
    /// The named netns the LXC containers were started in (their command sockets live there).
    package var starterNetns: String
    /// The endpoint file the lab wrote its endpoints to.
    package var endpointsPath: String
    /// True once `up` finished every step.
    package var complete: Bool
    /// When `up` started, ISO 8601.
    package var createdAt: String
    /// The lab's subnet (`198.51.100.0/24`); absent in the records of labs built before subnets were chosen,
    /// which all used 192.0.2.0/24.
    package var subnet: String?
    /// How the lab carries VLANs (`subinterfaces`, `vlan-aware`); absent for the untagged lab.
    package var vlan: LabVLANStyle?
    /// Paths outside the lab's folder that its engine daemon creates whatever its options say (dockerd's
    /// /etc/docker/key.json, /run/docker...) and that did not exist before; `down` removes them when no other
    /// daemon of that engine runs. Absent for LXC and namespace labs.
    package var madeGlobalPaths: [String]?

    /// The lab's addressing, from `subnet`.
    package var addressing: LabAddressing {
        subnet.flatMap { try? LabAddressing(parsing: $0) } ?? .legacy
    }

    /// The plan this record was made from, with the record's own options and subnet.
    package func plan(stateDirectory: String) -> LabPlan {
        let configuration = LabConfiguration(
            name: name,
            macvlanMode: macvlanMode,
            backend: backend,
            stateDirectory: stateDirectory,
            subnet: addressing,
            vlan: vlan
        )
        return LabPlan(configuration: configuration, backend: backend, addressing: addressing)
    }

    package init(plan: LabPlan) {
        schema = Self.schema
        name = plan.configuration.name
        backend = plan.backend
        macvlanMode = plan.configuration.macvlanMode
        namespaces = []
        containers = []
        starterNetns = plan.configuration.hostNamespace
        endpointsPath = plan.configuration.endpointsPath
        complete = false
        createdAt = ISO8601DateFormatter().string(from: Date())
        subnet = plan.addressing.subnet.description
        vlan = plan.configuration.vlan
    }

    /// Reads the state file; nil when there is none.
    package static func load(from path: String) throws(LabError) -> LabState? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        do {
            let state = try JSONDecoder().decode(LabState.self, from: data)
            guard state.schema == schema else {
                throw LabError.stateFile(path: path, reason: "schema \(state.schema), expected \(schema)")
            }
            return state
        } catch let error as LabError {
            throw error
        } catch {
            throw LabError.stateFile(path: path, reason: "unreadable (\(error)); remove it after checking `ip netns`")
        }
    }

    /// Every lab recorded in `directory` (unreadable records are skipped).
    package static func all(in directory: String) -> [LabState] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".json") && !$0.hasSuffix(".endpoints.json") }.sorted().compactMap {
            try? load(from: "\(directory)/\($0)")
        }
    }

    /// Writes the state file atomically, creating its folder.
    package func save(to path: String) throws(LabError) {
        do {
            try JSONFile.write(self, to: path)
        } catch {
            throw LabError.stateFile(path: path, reason: "\(error)")
        }
    }

    /// Removes the state file; a missing file is fine.
    package static func remove(at path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }
}
