package import Foundation
import Glibc

/// The endpoint file: names such as `ext` that commands accept in `--from`/`--to` without extra flags.
package struct EndpointRegistry: Codable, Sendable, Equatable {
    package static let schema = "lxcdiag.endpoints/1"
    /// Where `lxcdiag lab up` registers the lab's endpoints; read by every command.
    package static let defaultPath = "/run/lxcdiag/endpoints.json"
    /// The environment variable that names another endpoint file (the `--endpoints` option wins over it).
    package static let environmentVariable = "LXCDIAG_ENDPOINTS"

    package var schema: String
    package var endpoints: [RegisteredEndpoint] {
        didSet { positions = Self.positions(of: endpoints) }
    }
    /// Where each name first stands in `endpoints`, so a lookup is not a scan (`endpoints` on a file of 100,000
    /// entries looks every one up).
    private var positions: [String: Int]

    private enum CodingKeys: String, CodingKey {
        case schema, endpoints
    }

    package init(endpoints: [RegisteredEndpoint]) {
        self.schema = Self.schema
        self.endpoints = endpoints
        self.positions = Self.positions(of: endpoints)
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        schema = try container.decode(String.self, forKey: .schema)
        endpoints = try container.decode([RegisteredEndpoint].self, forKey: .endpoints)
        positions = Self.positions(of: endpoints)
    }

    private static func positions(of endpoints: [RegisteredEndpoint]) -> [String: Int] {
        var positions: [String: Int] = [:]
        positions.reserveCapacity(endpoints.count)
        for (index, entry) in endpoints.enumerated() where positions[entry.name] == nil {
            positions[entry.name] = index
        }
        return positions
    }

    package func endpoint(named name: String) -> RegisteredEndpoint? { positions[name].map { endpoints[$0] } }

    package static func == (lhs: EndpointRegistry, rhs: EndpointRegistry) -> Bool {
        lhs.schema == rhs.schema && lhs.endpoints == rhs.endpoints
    }

    /// The file to use: the explicit path, else $LXCDIAG_ENDPOINTS, else the default.
    package static func path(explicit: String?) -> String {
        explicit ?? ProcessInfo.processInfo.environment[environmentVariable] ?? defaultPath
    }

    /// The kinds an entry may have.
    /// `docker`, `podman` and `lxd` name a container by its engine's own name in `container` (labs built with `--engine`).
    package static let kinds: Set<String> = ["netns", "lxc", "docker", "podman", "lxd", "host", "outside"]
    /// Larger files are refused: an endpoint file names a host's endpoints, not a data set.
    package static let largestFile = 64 << 20

    /// Reads the file; a missing file is an empty registry (no lab is up; tests name a missing file to read
    /// none), a malformed one (not a regular file, bad JSON, an unknown kind, a name twice) an error naming it.
    package static func load(from path: String) throws(EndpointFileError) -> EndpointRegistry {
        var status = stat()
        guard stat(path, &status) == 0 else {
            guard errno != ENOENT else { return EndpointRegistry(endpoints: []) }
            throw EndpointFileError(path: path, reason: String(cString: strerror(errno)))
        }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw EndpointFileError(path: path, reason: "not a regular file")
        }
        guard status.st_size <= largestFile else {
            throw EndpointFileError(path: path, reason: "\(status.st_size) bytes, more than an endpoint file holds")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EndpointFileError(path: path, reason: "cannot be read")
        }
        return try decode(from: data, path: path)
    }

    /// Decodes and checks an endpoint file's bytes; `path` names the file in the error a malformed one gives
    /// (pure: the fuzz target and `load` share it).
    package static func decode(from data: Data, path: String) throws(EndpointFileError) -> EndpointRegistry {
        let registry: EndpointRegistry
        do {
            registry = try JSONDecoder().decode(EndpointRegistry.self, from: data)
        } catch let DecodingError.dataCorrupted(context) where !context.codingPath.isEmpty {
            throw EndpointFileError(path: path, reason: "\(where: context): \(context.debugDescription)")
        } catch DecodingError.dataCorrupted {
            throw EndpointFileError(path: path, reason: "not valid JSON")
        } catch let DecodingError.keyNotFound(key, context) {
            throw EndpointFileError(path: path, reason: "\(where: context) lacks \"\(key.stringValue)\"")
        } catch let DecodingError.typeMismatch(_, context) {
            throw EndpointFileError(path: path, reason: "\(where: context) has the wrong type")
        } catch {
            throw EndpointFileError(path: path, reason: "not an endpoint file (\(error))")
        }
        guard registry.schema == schema else {
            throw EndpointFileError(path: path, reason: "schema \(registry.schema), expected \(schema)")
        }
        var seen = Set<String>()
        for (index, entry) in registry.endpoints.enumerated() {
            guard !entry.name.isEmpty, !entry.name.contains(where: { $0.isWhitespace || $0 == ":" }) else {
                throw EndpointFileError(path: path, reason: "entry \(index + 1) has no usable name ('\(entry.name)')")
            }
            guard seen.insert(entry.name).inserted else {
                throw EndpointFileError(path: path, reason: "the name \(entry.name) appears more than once")
            }
            guard kinds.contains(entry.kind) else {
                let known = kinds.sorted().joined(separator: ", ")
                throw EndpointFileError(
                    path: path,
                    reason: "\(entry.name) has unknown kind '\(entry.kind)' (use \(known))"
                )
            }
        }
        return registry
    }

    /// Writes the file atomically, creating its folder.
    package func save(to path: String) throws(EndpointFileError) {
        do {
            try JSONFile.write(self, to: path)
        } catch {
            throw EndpointFileError(path: path, reason: "\(error)")
        }
    }
}

/// An endpoint file that cannot be read or written.
package struct EndpointFileError: Error, Sendable, CustomStringConvertible {
    package var path: String
    package var reason: String
    package var description: String { path.isEmpty ? "endpoint file: \(reason)" : "endpoint file \(path): \(reason)" }
}

extension DefaultStringInterpolation {
    /// `endpoints[2]`: where in the file a decoding error is.
    fileprivate mutating func appendInterpolation(where context: DecodingError.Context) {
        let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        appendLiteral(path.isEmpty ? "the document" : "entry \(path.hasPrefix(".") ? String(path.dropFirst()) : path)")
    }
}
