/// An endpoint name (`--from`/`--to`) that does not resolve to a namespace and interface.
package struct EndpointError: Error, Sendable, CustomStringConvertible {
    package enum Kind: Sendable, Hashable {
        /// No container, registered endpoint or keyword has this name; `known` lists what exists.
        case unknown(known: [String])
        /// `pid:x`, `ip:x` with text that is not a pid or an address.
        case malformed(expected: String)
        /// The container is defined but not running.
        case notRunning
        /// `netns:NAME` or a registered endpoint names a namespace that does not exist; `known` lists what does.
        case noSuchNamespace(String, known: [String])
        /// The interface is not in the endpoint's namespace; `available` lists what is.
        case noSuchInterface(String, available: [String])
        /// `ip:ADDR` is held by none of the namespaces searched.
        case addressNotFound(searched: [String])
        /// `ip:ADDR` is held by more than one namespace; `holders` names them.
        case ambiguousAddress(holders: [String])
        /// A short name that stands for several containers; `candidates` says where each is.
        case ambiguousName(candidates: [String])
        /// The namespace has no interface to send from (only loopback).
        case noInterface
        /// `pid:PID` names no running process.
        case noSuchProcess
        /// The namespace file of the endpoint cannot be opened (not root, or without CAP_SYS_ADMIN/SYS_PTRACE).
        case permissionDenied(path: String)
    }

    package var endpoint: String
    package var kind: Kind

    package init(endpoint: String, kind: Kind) {
        self.endpoint = endpoint
        self.kind = kind
    }

    /// True when the user typed something wrong (exit 2), false when the system is not as needed (exit 3).
    package var isUsageError: Bool {
        switch kind {
        // Well-formed names of things that do not exist here (a namespace, an interface, a process) are the
        // system's state, as the README's table says (3), like a namespace that vanished.
        case .notRunning, .noInterface, .noSuchNamespace, .noSuchInterface, .noSuchProcess, .permissionDenied: false
        default: true
        }
    }

    /// The engine's own command that starts the container the endpoint names.
    private var startCommand: String {
        let parts = endpoint.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, let engine = ContainerEngine(prefix: parts[0]) else {
            return "lxc-start -n \(endpoint)"
        }
        switch engine {
        case .docker, .podman: return "\(engine.rawValue) start \(parts[1])"
        case .lxd: return "lxc start \(parts[1])"
        case .proxmox: return "pct start \(parts[1])"
        }
    }

    package var description: String {
        switch kind {
        case .unknown(let known):
            return "unknown endpoint '\(endpoint)': known: \(Self.list(known))"
        case .malformed(let expected):
            return "endpoint '\(endpoint)' is malformed: expected \(expected)"
        case .notRunning:
            return "container '\(endpoint)' is defined but not running (start it with \(startCommand))"
        case .noSuchNamespace(let name, let known):
            return "endpoint '\(endpoint)': netns \(name) does not exist; named namespaces: \(Self.list(known))"
        case .noSuchInterface(let name, let available):
            return "endpoint '\(endpoint)': no interface \(name) there; interfaces: \(Self.list(available))"
        case .addressNotFound(let searched):
            return "endpoint '\(endpoint)': no known namespace holds that address (searched: \(Self.list(searched)))"
        case .ambiguousAddress(let holders):
            return "endpoint '\(endpoint)': several namespaces hold that address (\(Self.list(holders))); name one "
                + "with netns:NAME or a container name"
        case .ambiguousName(let candidates):
            return "endpoint '\(endpoint)' names several containers (\(Self.list(candidates))); name one with "
                + "pid:PID or register it in the endpoint file"
        case .noInterface:
            return "endpoint '\(endpoint)': its namespace has no interface but loopback"
        case .noSuchProcess:
            return "endpoint '\(endpoint)': no such process"
        case .permissionDenied(let path):
            return "endpoint '\(endpoint)': cannot open \(path): permission denied (run as root, or with "
                + "CAP_SYS_ADMIN and CAP_SYS_PTRACE)"
        }
    }

    /// At most 20 names, then a count, so the line stays one line on a host with 100 containers.
    private static func list(_ names: [String]) -> String {
        if names.isEmpty { return "none" }
        if names.count <= 20 { return names.joined(separator: ", ") }
        return names.prefix(20).joined(separator: ", ") + ", and \(names.count - 20) more"
    }
}
