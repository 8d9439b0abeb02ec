import Foundation
public import LinuxNet
public import NetworkModel
import PacketCodec
public import Topology

/// Reads one namespace's links, addresses and routes (rtnetlink in production).
public protocol NamespaceSnapshotSource: Sendable {
    func snapshot(of namespace: NetworkNamespace, node: NetworkNode) throws -> NamespaceSnapshot
}

/// Turns the endpoint names every command accepts into namespaces and interfaces.
///
/// Syntax: `host` (the namespace lxcdiag runs in, or the one `-n/--netns` names), a name registered in the
/// endpoint file (`ext`), an LXC container's name, `netns:NAME`, `pid:PID`, `iface:NAME` (a host interface such as
/// em2), `ip:ADDR` (whichever known namespace holds the address). Registered names win over container names.
public struct EndpointResolver: Sendable {
    /// The namespace `host` means.
    public var hostNamespace: NetworkNamespace
    public var registry: EndpointRegistry
    public var inventory: ContainerInventory

    public init(hostNamespace: NetworkNamespace, registry: EndpointRegistry, inventory: ContainerInventory) {
        self.hostNamespace = hostNamespace
        self.registry = registry
        self.inventory = inventory
    }

    /// The host node: `host`, in `hostNamespace`.
    public var hostNode: NetworkNode {
        NetworkNode(name: "host", kind: .host, namespacePath: hostNamespace.filePath)
    }

    /// The names `unknown endpoint` lists: registered names, `host`, containers, then `netns:NAME`.
    public var knownNames: [String] {
        var names = registry.endpoints.map(\.name) + ["host"]
        for container in inventory.containers where !names.contains(container.name) {
            names.append(container.isRunning ? container.name : "\(container.name) (stopped)")
        }
        return names + inventory.namedNamespaces.map { "netns:\($0)" }
    }

    /// What `spec` names, without inspecting any namespace (except `ip:ADDR`, which is found by `resolve`).
    public func target(_ spec: String) throws(EndpointError) -> EndpointTarget {
        if spec == "host" { return EndpointTarget(endpoint: spec, node: hostNode, namespace: hostNamespace) }
        if let (prefix, rest) = split(spec) {
            switch prefix {
            case "netns":
                return try namedNamespace(rest, endpoint: spec)
            case "pid":
                guard let pid = Int32(rest), pid > 0 else {
                    throw EndpointError(endpoint: spec, kind: .malformed(expected: "pid:PID with a process id"))
                }
                guard FileManager.default.fileExists(atPath: "/proc/\(pid)/ns/net") else {
                    throw EndpointError(endpoint: spec, kind: .malformed(expected: "pid:PID of a running process"))
                }
                let node = NetworkNode(name: spec, kind: .process, namespacePath: "/proc/\(pid)/ns/net")
                return EndpointTarget(endpoint: spec, node: node, namespace: .pid(pid))
            case "iface":
                guard !rest.isEmpty else {
                    throw EndpointError(endpoint: spec, kind: .malformed(expected: "iface:NAME, such as iface:em2"))
                }
                return EndpointTarget(endpoint: spec, node: hostNode, namespace: hostNamespace, interface: rest)
            case "ip":
                guard IPv4Address(rest) != nil else {
                    throw EndpointError(endpoint: spec, kind: .malformed(expected: "ip:ADDR with an IPv4 address"))
                }
                throw EndpointError(endpoint: spec, kind: .malformed(expected: "ip:ADDR resolved by resolve()"))
            default:
                break
            }
        }
        if let registered = registry.endpoint(named: spec) { return try registeredTarget(registered) }
        if let container = inventory.container(named: spec) { return try containerTarget(container, endpoint: spec) }
        throw EndpointError(endpoint: spec, kind: .unknown(known: knownNames))
    }

    /// Resolves `spec` completely, reading the namespaces it needs through `snapshots`.
    public func resolve(_ spec: String, snapshots: some NamespaceSnapshotSource) throws -> ResolvedEndpoint {
        if let (prefix, rest) = split(spec), prefix == "ip" {
            guard let address = IPv4Address(rest) else {
                throw EndpointError(endpoint: spec, kind: .malformed(expected: "ip:ADDR with an IPv4 address"))
            }
            return try owner(of: address, endpoint: spec, snapshots: snapshots)
        }
        let target = try target(spec)
        return try EndpointInterfaceChoice.resolve(
            target,
            in: try snapshots.snapshot(of: target.namespace, node: target.node)
        )
    }

    /// Every namespace `ip:ADDR` searches: host, running containers, registered endpoints, named namespaces.
    public func searchTargets() -> [EndpointTarget] {
        var targets = [EndpointTarget(endpoint: "host", node: hostNode, namespace: hostNamespace)]
        for container in inventory.runningContainers {
            if let target = try? containerTarget(container, endpoint: container.name) { targets.append(target) }
        }
        for registered in registry.endpoints {
            if let target = try? registeredTarget(registered) { targets.append(target) }
        }
        for name in inventory.namedNamespaces {
            if let target = try? namedNamespace(name, endpoint: "netns:\(name)") { targets.append(target) }
        }
        return targets
    }

    private func owner(
        of address: IPv4Address,
        endpoint: String,
        snapshots: some NamespaceSnapshotSource
    ) throws -> ResolvedEndpoint {
        var searched: [String] = []
        var seenPaths: Set<String> = []
        var holders: [(EndpointTarget, NamespaceSnapshot)] = []
        for candidate in searchTargets() {
            let path = candidate.namespace.filePath ?? "current"
            guard seenPaths.insert(path).inserted else { continue }
            searched.append(candidate.node.name)
            // A namespace that vanished or cannot be entered is simply not the owner.
            guard let snapshot = try? snapshots.snapshot(of: candidate.namespace, node: candidate.node),
                snapshot.addresses.contains(where: { $0.address == address })
            else { continue }
            holders.append((candidate, snapshot))
        }
        if holders.count > 1 {
            throw EndpointError(endpoint: endpoint, kind: .ambiguousAddress(holders: holders.map(\.0.node.name)))
        }
        if let (candidate, snapshot) = holders.first {
            var target = candidate
            target.endpoint = endpoint
            target.interface = nil
            target.ip = address
            return try EndpointInterfaceChoice.resolve(target, in: snapshot)
        }
        throw EndpointError(endpoint: endpoint, kind: .addressNotFound(searched: searched))
    }

    private func split(_ spec: String) -> (String, String)? {
        guard let colon = spec.firstIndex(of: ":") else { return nil }
        return (String(spec[..<colon]), String(spec[spec.index(after: colon)...]))
    }

    private func namedNamespace(_ name: String, endpoint: String) throws(EndpointError) -> EndpointTarget {
        guard inventory.namedNamespaces.contains(name) else {
            throw EndpointError(
                endpoint: endpoint,
                kind: .noSuchNamespace(name, known: inventory.namedNamespaces)
            )
        }
        let node = NetworkNode(name: name, kind: .netns, namespacePath: "/run/netns/\(name)")
        return EndpointTarget(endpoint: endpoint, node: node, namespace: .named(name))
    }

    private func containerTarget(_ container: LXCContainer, endpoint: String) throws(EndpointError) -> EndpointTarget {
        guard let pid = container.initPid else { throw EndpointError(endpoint: endpoint, kind: .notRunning) }
        let node = NetworkNode(name: container.name, kind: .lxc, namespacePath: "/proc/\(pid)/ns/net")
        return EndpointTarget(endpoint: endpoint, node: node, namespace: .pid(pid))
    }

    private func registeredTarget(_ registered: RegisteredEndpoint) throws(EndpointError) -> EndpointTarget {
        var target: EndpointTarget
        if let name = registered.container {
            guard let container = inventory.container(named: name) else {
                throw EndpointError(endpoint: registered.name, kind: .unknown(known: knownNames))
            }
            target = try containerTarget(container, endpoint: registered.name)
        } else if let netns = registered.netns {
            target = try namedNamespace(netns, endpoint: registered.name)
        } else if let pid = registered.pid {
            let node = NetworkNode(name: registered.name, kind: .process, namespacePath: "/proc/\(pid)/ns/net")
            target = EndpointTarget(endpoint: registered.name, node: node, namespace: .pid(pid))
        } else {
            target = EndpointTarget(endpoint: registered.name, node: hostNode, namespace: hostNamespace)
        }
        // Output names the node as the endpoint file does (`ext`), whatever namespace stands behind it.
        target.node.name = registered.name
        target.interface = registered.interface
        target.ip = registered.ip
        return target
    }
}
