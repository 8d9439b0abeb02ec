import Foundation
import NetworkModel

/// What a lab made, recorded in `/run/lxcdiag/labs/<name>.json` so that `down` removes exactly that.
///
/// `up` records each namespace and container just before making it, so the record also covers a build
/// that failed or was killed half way.
public struct LabState: Codable, Sendable, Equatable {
    public static let schema = "lxcdiag.lab/1"

    public var schema: String
    public var name: String
    public var backend: LabBackend
    public var macvlanMode: MacvlanMode
    /// Named namespaces the lab made (or was about to make), in creation order.
    public var namespaces: [String]
    /// LXC containers the lab made (or was about to make).
    public var containers: [String]
    /// The named netns the LXC containers were started in (their command sockets live there).
    public var starterNetns: String
    /// The endpoint file the lab wrote its endpoints to.
    public var endpointsPath: String
    /// True once `up` finished every step.
    public var complete: Bool
    /// When `up` started, ISO 8601.
    public var createdAt: String

    public init(plan: LabPlan) {
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
    }

    /// Reads the state file; nil when there is none.
    public static func load(from path: String) throws(LabError) -> LabState? {
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

    /// Writes the state file atomically, creating its folder.
    public func save(to path: String) throws(LabError) {
        do {
            try JSONFile.write(self, to: path)
        } catch {
            throw LabError.stateFile(path: path, reason: "\(error)")
        }
    }

    /// Removes the state file; a missing file is fine.
    public static func remove(at path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }
}
