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
    /// The namespace `-n/--netns` names, or `.current` when it was not given (see `host`).
    public var hostNamespace: NetworkNamespace
    public let registry: EndpointRegistry
    public let inventory: ContainerInventory

    public init(hostNamespace: NetworkNamespace, registry: EndpointRegistry, inventory: ContainerInventory) {
        self.hostNamespace = hostNamespace
        self.registry = registry
        self.inventory = inventory
        self.knownNames = Self.knownNames(registry: registry, inventory: inventory)
    }

    /// The namespace `host` means: the one `-n/--netns` names; without `-n`, the namespace of a `host` entry in
    /// the endpoint file (the lab registers its host namespace so); else the namespace lxcdiag runs in.
    public var host: NetworkNamespace {
        if hostNamespace == .current, let registered = registry.endpoint(named: "host"), registered.container == nil,
            let namespace = registered.namespace
        {
            return namespace
        }
        return hostNamespace
    }

    /// The host node: `host`, in `host`'s namespace.
    public var hostNode: NetworkNode {
        NetworkNode(name: "host", kind: .host, namespacePath: host.filePath)
    }

    /// The names `unknown endpoint` lists: registered names, `host`, containers, then `netns:NAME`. Computed once:
    /// every unknown name's error carries it.
    public let knownNames: [String]

    private static func knownNames(registry: EndpointRegistry, inventory: ContainerInventory) -> [String] {
        var names = registry.endpoints.map(\.name)
        var seen = Set(names)
        if seen.insert("host").inserted { names.append("host") }
        for container in inventory.containers where seen.insert(container.name).inserted {
            names.append(container.isRunning ? container.name : "\(container.name) (stopped)")
        }
        return names + inventory.namedNamespaces.map { "netns:\($0)" }
    }

    /// What `spec` names, without inspecting any namespace (except `ip:ADDR`, which is found by `resolve`).
    public func target(_ spec: String) throws(EndpointError) -> EndpointTarget {
        if spec == "host" {
            // A registered `host` also pins its interface and address (the lab's em2), unless -n chose another host.
            if hostNamespace == .current, let registered = registry.endpoint(named: "host") {
                return try registeredTarget(registered)
            }
            return EndpointTarget(endpoint: spec, node: hostNode, namespace: host)
        }
        if let (prefix, rest) = split(spec) {
            switch prefix {
            case "netns":
                return try namedNamespace(rest, endpoint: spec)
            case "pid":
                guard let pid = Int32(rest), pid > 0 else {
                    throw EndpointError(endpoint: spec, kind: .malformed(expected: "pid:PID with a process id"))
                }
                let path = "/proc/\(pid)/ns/net"
                var status = stat()
                if stat(path, &status) != 0 {
                    let code = errno
                    if code == EACCES || code == EPERM {
                        throw EndpointError(endpoint: spec, kind: .permissionDenied(path: path))
                    }
                    throw EndpointError(endpoint: spec, kind: .noSuchProcess)
                }
                let node = NetworkNode(name: spec, kind: .process, namespacePath: "/proc/\(pid)/ns/net")
                return EndpointTarget(endpoint: spec, node: node, namespace: .pid(pid))
            case "iface":
                guard InterfaceName.isValid(rest) else {
                    throw EndpointError(
                        endpoint: spec,
                        kind: .malformed(
                            expected: "iface:NAME with an interface name (1-15 characters, no '/' or space)"
                        )
                    )
                }
                return EndpointTarget(endpoint: spec, node: hostNode, namespace: host, interface: rest)
            case "ip":
                guard IPv4Address(rest) != nil else {
                    throw EndpointError(endpoint: spec, kind: .malformed(expected: "ip:ADDR with an IPv4 address"))
                }
                // Only reading the namespaces tells who holds it: target(_:snapshots:) and resolve do that.
                throw EndpointError(endpoint: spec, kind: .addressNotFound(searched: []))
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
        let (target, snapshot) = try located(spec, snapshots: snapshots)
        return try EndpointInterfaceChoice.resolve(
            target,
            in: snapshot ?? snapshots.snapshot(of: target.namespace, node: target.node)
        )
    }

    /// What `spec` names, including `ip:ADDR` (found by reading the known namespaces through `snapshots`).
    public func target(_ spec: String, snapshots: some NamespaceSnapshotSource) throws -> EndpointTarget {
        try located(spec, snapshots: snapshots).0
    }

    /// The target, and for `ip:ADDR` the snapshot already read while searching.
    private func located(
        _ spec: String,
        snapshots: some NamespaceSnapshotSource
    ) throws -> (EndpointTarget, NamespaceSnapshot?) {
        guard let (prefix, rest) = split(spec), prefix == "ip" else { return (try target(spec), nil) }
        guard let address = IPv4Address(rest) else {
            throw EndpointError(endpoint: spec, kind: .malformed(expected: "ip:ADDR with an IPv4 address"))
        }
        return try owner(of: address, endpoint: spec, snapshots: snapshots)
    }

    /// Every namespace `ip:ADDR` searches: host, registered endpoints, running containers, named namespaces.
    /// Registered names come before container names so that output says `ct1`, as the endpoint file does, rather
    /// than the container's full name when both stand for one namespace.
    public func searchTargets() -> [EndpointTarget] {
        var targets = [EndpointTarget(endpoint: "host", node: hostNode, namespace: host)]
        for registered in registry.endpoints where registered.name != "host" {
            if let target = try? registeredTarget(registered) { targets.append(target) }
        }
        for container in inventory.runningContainers {
            if let target = try? containerTarget(container, endpoint: container.name) { targets.append(target) }
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
    ) throws -> (EndpointTarget, NamespaceSnapshot) {
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
            return (target, snapshot)
        }
        throw EndpointError(endpoint: endpoint, kind: .addressNotFound(searched: searched))
    }

    private func split(_ spec: String) -> (String, String)? {
        guard let colon = spec.firstIndex(of: ":") else { return nil }
        return (String(spec[..<colon]), String(spec[spec.index(after: colon)...]))
    }

    private func namedNamespace(_ name: String, endpoint: String) throws(EndpointError) -> EndpointTarget {
        guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
            throw EndpointError(
                endpoint: endpoint,
                kind: .malformed(expected: "netns:NAME with a name under /run/netns")
            )
        }
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
            target = EndpointTarget(endpoint: registered.name, node: hostNode, namespace: host)
        }
        // Output names the node as the endpoint file does (`ext`), whatever namespace stands behind it.
        target.node.name = registered.name
        if registered.name == "host" { target.node.kind = .host }
        target.interface = registered.interface
        target.ip = registered.ip
        return target
    }
}
