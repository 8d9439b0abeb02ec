import Foundation
internal import NetworkModel

/// Adds and removes the lab's entries in its endpoint file, leaving any other entries there alone.
enum LabEndpoints {
    /// Writes `endpoints` to the lab's endpoint file, replacing entries of the same names.
    static func register(_ endpoints: [RegisteredEndpoint], lab: LabConfiguration) throws(LabError) {
        let path = lab.endpointsPath
        do {
            var registry = (try? EndpointRegistry.load(from: path)) ?? EndpointRegistry(endpoints: [])
            let names = Set(endpoints.map(\.name))
            registry.endpoints.removeAll { names.contains($0.name) }
            registry.endpoints += endpoints
            try registry.save(to: path)
        } catch {
            throw LabError.stepFailed(step: "registering endpoints in \(path)", reason: "\(error)")
        }
    }

    /// Removes the entries the lab wrote (same name and same namespace or container); deletes the file when
    /// nothing else is left in it.
    static func unregister(_ endpoints: [RegisteredEndpoint], path: String) {
        guard FileManager.default.fileExists(atPath: path), var registry = try? EndpointRegistry.load(from: path)
        else { return }
        registry.endpoints.removeAll { entry in
            endpoints.contains { $0.name == entry.name && $0.netns == entry.netns && $0.container == entry.container }
        }
        if registry.endpoints.isEmpty {
            try? FileManager.default.removeItem(atPath: path)
        } else {
            try? registry.save(to: path)
        }
    }
}
