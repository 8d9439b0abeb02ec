public import Foundation

/// The endpoint file: names such as `ext` that commands accept in `--from`/`--to` without extra flags.
public struct EndpointRegistry: Codable, Sendable, Equatable {
    public static let schema = "lxcdiag.endpoints/1"
    /// Where `lxcdiag lab up` registers the lab's endpoints; read by every command.
    public static let defaultPath = "/run/lxcdiag/endpoints.json"
    /// The environment variable that names another endpoint file (the `--endpoints` option wins over it).
    public static let environmentVariable = "LXCDIAG_ENDPOINTS"

    public var schema: String
    public var endpoints: [RegisteredEndpoint]

    public init(endpoints: [RegisteredEndpoint]) {
        self.schema = Self.schema
        self.endpoints = endpoints
    }

    public func endpoint(named name: String) -> RegisteredEndpoint? { endpoints.first { $0.name == name } }

    /// The file to use: the explicit path, else $LXCDIAG_ENDPOINTS, else the default.
    public static func path(explicit: String?) -> String {
        explicit ?? ProcessInfo.processInfo.environment[environmentVariable] ?? defaultPath
    }

    /// Reads the file; a missing file is an empty registry, a malformed one an error naming the file.
    public static func load(from path: String) throws(EndpointFileError) -> EndpointRegistry {
        guard let data = FileManager.default.contents(atPath: path) else { return EndpointRegistry(endpoints: []) }
        return try decode(from: data, path: path)
    }

    /// Decodes the file's bytes; `path` names the file in the error a malformed one gives.
    public static func decode(from data: Data, path: String) throws(EndpointFileError) -> EndpointRegistry {
        do {
            let registry = try JSONDecoder().decode(EndpointRegistry.self, from: data)
            guard registry.schema == schema else {
                throw EndpointFileError(path: path, reason: "schema \(registry.schema), expected \(schema)")
            }
            return registry
        } catch let error as EndpointFileError {
            throw error
        } catch {
            throw EndpointFileError(path: path, reason: "\(error)")
        }
    }

    /// Writes the file atomically, creating its folder.
    public func save(to path: String) throws(EndpointFileError) {
        do {
            try JSONFile.write(self, to: path)
        } catch {
            throw EndpointFileError(path: path, reason: "\(error)")
        }
    }
}

/// An endpoint file that cannot be read or written.
public struct EndpointFileError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String { "endpoint file \(path): \(reason)" }
}
