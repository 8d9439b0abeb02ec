import Foundation
package import LinuxNet
package import NetworkModel
internal import PacketCodec
package import Topology

/// Reads one namespace's links, addresses and routes (rtnetlink in production).
package protocol NamespaceSnapshotSource: Sendable {
    func snapshot(of namespace: NetworkNamespace, node: NetworkNode) throws -> NamespaceSnapshot
}

/// Turns the endpoint names every command accepts into namespaces and interfaces.
///
/// Syntax: `host` (the namespace lxcdiag runs in, or the one `-n/--netns` names), a name registered in the
/// endpoint file (`ext`), an LXC container's name, `netns:NAME`, `pid:PID`, `iface:NAME` (a host interface such as
/// em2), `ip:ADDR` (whichever known namespace holds the address, else the interface that should hold it), and
/// `ENGINE:NAME` for another engine's container: `docker:web`, `podman:db`, `lxd:c1`, `pve:101` (Proxmox VMID).
/// Registered names win over container names; a duplicate short name is also accepted qualified (`ct1@NETNS`).
package struct EndpointResolver: Sendable {
    /// The namespace `-n/--netns` names, or `.current` when it was not given (see `host`).
    package var hostNamespace: NetworkNamespace
    package let registry: EndpointRegistry
    package let inventory: ContainerInventory

    package init(hostNamespace: NetworkNamespace, registry: EndpointRegistry, inventory: ContainerInventory) {
        self.hostNamespace = hostNamespace
        self.registry = registry
        self.inventory = inventory
        self.knownNames = Self.knownNames(registry: registry, inventory: inventory)
    }

    /// The namespace `host` means: the one `-n/--netns` names; without `-n`, the namespace of a `host` entry in
    /// the endpoint file (the lab registers its host namespace so); else the namespace lxcdiag runs in.
    package var host: NetworkNamespace {
        if hostNamespace == .current, let registered = registry.endpoint(named: "host"), registered.container == nil,
            let namespace = registered.namespace
        {
            return namespace
        }
        return hostNamespace
    }

    /// The host node: `host`, in `host`'s namespace.
    package var hostNode: NetworkNode {
        NetworkNode(name: "host", kind: .host, namespacePath: host.filePath)
    }

    /// The names `unknown endpoint` lists: registered names, `host`, containers, then `netns:NAME`. Computed once:
    /// every unknown name's error carries it.
    package let knownNames: [String]

    private static func knownNames(registry: EndpointRegistry, inventory: ContainerInventory) -> [String] {
        var names = registry.endpoints.map(\.name)
        var seen = Set(names)
        if seen.insert("host").inserted { names.append("host") }
        for container in inventory.containers where seen.insert(container.name).inserted {
            names.append(container.isRunning ? container.name : "\(container.name) (stopped)")
        }
        for container in inventory.engineContainers where seen.insert(container.endpointName).inserted {
            names.append(container.isRunning ? container.endpointName : "\(container.endpointName) (stopped)")
        }
        return names + inventory.namedNamespaces.map { "netns:\($0)" }
    }

    /// What `spec` names, without inspecting any namespace (except `ip:ADDR`, which is found by `resolve`).
    package func target(_ spec: String) throws(EndpointError) -> EndpointTarget {
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
                if let engine = ContainerEngine(prefix: prefix) {
                    return try engineTarget(engine, rest, endpoint: spec)
                }
            }
        }
        if let registered = registry.endpoint(named: spec) { return try registeredTarget(registered) }
        let containers = inventory.containers.filter { $0.name == spec }
        if containers.count > 1 {
            // The same name under two lxcpaths: only the user knows which is meant.
            let candidates = containers.map {
                "\($0.name) in \($0.lxcpath ?? "pid \($0.initPid.map(String.init) ?? "?")")"
            }
            throw EndpointError(endpoint: spec, kind: .ambiguousName(candidates: candidates))
        }
        if let container = containers.first { return try containerTarget(container, endpoint: spec) }
        // A qualified name (`ct1@lxcdiag-b-ct1`) as topo, path and trace print it for a duplicate short name.
        if spec.contains("@"), var qualified = searchTargets().first(where: { $0.node.name == spec }) {
            qualified.endpoint = spec
            return qualified
        }
        throw EndpointError(endpoint: spec, kind: .unknown(known: knownNames))
    }

    /// Resolves `spec` completely, reading the namespaces it needs through `snapshots`.
    ///
    /// An interface that lost its address keeps the one the endpoint file or the container's LXC config
    /// declares, or one a neighbour entry in `elsewhere` maps to its MAC (`addressOrigin` says which); `ip:ADDR`
    /// that nobody holds resolves to the interface that should hold it (see `intendedHolder`).
    package func resolve(
        _ spec: String,
        snapshots: some NamespaceSnapshotSource,
        elsewhere: [NamespaceSnapshot] = []
    ) throws -> ResolvedEndpoint {
        let (target, snapshot) = try located(spec, snapshots: snapshots, elsewhere: elsewhere)
        let container = target.container.flatMap { inventory.container(named: $0) }
        return try EndpointInterfaceChoice.resolve(
            target,
            in: snapshot ?? snapshots.snapshot(of: target.namespace, node: target.node),
            declared: container?.declaredNetworks ?? [],
            declaredIn: container.flatMap { container in container.lxcpath.map { "\($0)/\(container.name)/config" } },
            elsewhere: elsewhere
        )
    }

    /// What `spec` names, including `ip:ADDR` (found by reading the known namespaces through `snapshots`).
    package func target(_ spec: String, snapshots: some NamespaceSnapshotSource) throws -> EndpointTarget {
        try located(spec, snapshots: snapshots).0
    }

    /// The target, and for `ip:ADDR` the snapshot already read while searching.
    private func located(
        _ spec: String,
        snapshots: some NamespaceSnapshotSource,
        elsewhere: [NamespaceSnapshot] = []
    ) throws -> (EndpointTarget, NamespaceSnapshot?) {
        guard let (prefix, rest) = split(spec), prefix == "ip" else { return (try target(spec), nil) }
        guard let address = IPv4Address(rest) else {
            throw EndpointError(endpoint: spec, kind: .malformed(expected: "ip:ADDR with an IPv4 address"))
        }
        return try owner(of: address, endpoint: spec, snapshots: snapshots, elsewhere: elsewhere)
    }

    /// Every namespace `ip:ADDR` searches: host, registered endpoints, running containers, named namespaces.
    /// Registered names come before container names so that output says `ct1`, as the endpoint file does, rather
    /// than the container's full name when both stand for one namespace.
    ///
    /// Node names are unique: a short name already taken by another namespace (a second lab's `ct1`, a container
    /// named like a registered endpoint) is qualified as `NAME@QUALIFIER` (see `qualified(_:taken:)`), and the
    /// resolver accepts the qualified name as an endpoint.
    package func searchTargets() -> [EndpointTarget] {
        var targets = [EndpointTarget(endpoint: "host", node: hostNode, namespace: host)]
        for registered in registry.endpoints where registered.name != "host" {
            if let target = try? registeredTarget(registered) { targets.append(target) }
        }
        // Before LXC's: an LXD or Proxmox container is also an LXC one, and its engine's name says more.
        for container in inventory.runningEngineContainers {
            if let target = try? engineTarget(container, endpoint: container.endpointName) { targets.append(target) }
        }
        for container in inventory.runningContainers {
            if let target = try? containerTarget(container, endpoint: container.name) { targets.append(target) }
        }
        for name in inventory.namedNamespaces {
            if let target = try? namedNamespace(name, endpoint: "netns:\(name)") { targets.append(target) }
        }
        // One namespace under two names stays as it is (the capture makes the later ones aliases).
        var owners: [String: String] = [:]
        for index in targets.indices {
            let file = targets[index].namespace.filePath ?? "current"
            if let owner = owners[targets[index].node.name], owner != file {
                targets[index].node.name = Self.qualified(targets[index], taken: owners)
            }
            owners[targets[index].node.name] = owners[targets[index].node.name] ?? file
        }
        return targets
    }

    /// A name for `target` that is not in `taken`: `NAME@NETNS` for a namespace under /run/netns (the lab's
    /// `ct1@lxcdiag-b-ct1`), `NAME@lxc` for an LXC container, `NAME@pid:PID` for a process's; `#2`, `#3`... only if
    /// that is taken too. (Registered names come first and are unique in the file, so they are never qualified.)
    static func qualified(_ target: EndpointTarget, taken: [String: String]) -> String {
        let name = target.node.name
        var candidates: [String] = []
        switch target.namespace {
        case .named(let netns): candidates.append("\(name)@\(netns)")
        case .pid(let pid):
            if target.node.kind == .lxc { candidates.append("\(name)@lxc") }
            candidates.append("\(name)@pid:\(pid)")
        default: candidates.append("\(name)@\(target.namespace.filePath ?? "current")")
        }
        if let free = candidates.first(where: { taken[$0] == nil }) { return free }
        let base = candidates.last ?? name
        return (2...).lazy.map { "\(base)#\($0)" }.first { taken[$0] == nil } ?? base
    }

    private func owner(
        of address: IPv4Address,
        endpoint: String,
        snapshots: some NamespaceSnapshotSource,
        elsewhere: [NamespaceSnapshot]
    ) throws -> (EndpointTarget, NamespaceSnapshot) {
        var searched: [String] = []
        var seenPaths: Set<String> = []
        var holders: [(EndpointTarget, NamespaceSnapshot)] = []
        var read: [(EndpointTarget, NamespaceSnapshot)] = []
        for candidate in searchTargets() {
            let path = candidate.namespace.filePath ?? "current"
            guard seenPaths.insert(path).inserted else { continue }
            searched.append(candidate.node.name)
            // A namespace that vanished or cannot be entered is simply not the owner.
            guard let snapshot = try? snapshots.snapshot(of: candidate.namespace, node: candidate.node) else {
                continue
            }
            read.append((candidate, snapshot))
            guard snapshot.addresses.contains(where: { $0.address == address }) else { continue }
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
        if let (found, snapshot) = intendedHolder(of: address, among: read, elsewhere: elsewhere) {
            var target = found
            target.endpoint = endpoint
            target.ip = address
            return (target, snapshot)
        }
        throw EndpointError(endpoint: endpoint, kind: .addressNotFound(searched: searched))
    }

    /// The interface that should hold `address` though none does: an endpoint file entry with that `ip`, a
    /// running container whose LXC config declares it, or the interface whose MAC a neighbour entry (in `read`
    /// or `elsewhere`) maps it to. Its `addressOrigin` says which.
    func intendedHolder(
        of address: IPv4Address,
        among read: [(EndpointTarget, NamespaceSnapshot)],
        elsewhere: [NamespaceSnapshot] = []
    ) -> (EndpointTarget, NamespaceSnapshot)? {
        func snapshot(of target: EndpointTarget) -> NamespaceSnapshot? {
            read.first { $0.0.namespace.filePath == target.namespace.filePath }?.1
        }
        if let registered = registry.endpoints.first(where: { $0.ip == address }),
            let target = try? registeredTarget(registered), let found = snapshot(of: target)
        {
            return (target, found)
        }
        for container in inventory.runningContainers {
            guard
                let declaration = container.declaredNetworks.first(where: {
                    $0.ipv4Networks.contains { $0.address == address }
                }),
                var target = try? containerTarget(container, endpoint: container.name),
                let found = snapshot(of: target)
            else { continue }
            // A registered name for the same namespace reads better than the container's own.
            if let named = read.first(where: { $0.0.namespace.filePath == target.namespace.filePath }) {
                target.node.name = named.0.node.name
            }
            target.interface = declaration.name ?? "eth\(declaration.index)"
            let file = container.lxcpath.map { " in \($0)/\(container.name)/config" } ?? ""
            target.addressOrigin = "lxc.net.\(declaration.index).ipv4.address\(file)"
            return (target, found)
        }
        for container in inventory.runningEngineContainers {
            guard let network = container.networks.first(where: { $0.ipv4?.address == address }),
                var target = try? engineTarget(container, endpoint: container.endpointName),
                let found = snapshot(of: target)
            else { continue }
            if let named = read.first(where: { $0.0.namespace.filePath == target.namespace.filePath }) {
                target.node.name = named.0.node.name
            }
            target.interface =
                network.interface
                ?? network.mac.flatMap { mac in found.links.first { $0.mac == mac }?.name }
            target.addressOrigin = "\(container.engine.rawValue)'s network \(network.name) in \(container.source)"
            return (target, found)
        }
        for other in read.map(\.1) + elsewhere {
            guard let mac = other.neighbours.first(where: { $0.address == address && $0.mac != nil })?.mac else {
                continue
            }
            for (candidate, found) in read {
                guard let link = found.links.first(where: { $0.mac == mac && $0.kind != .bridge }) else { continue }
                var target = candidate
                target.interface = link.name
                target.addressOrigin =
                    "a neighbour entry in \(other.node.name) (\(address) lladdr \(mac)) naming \(candidate.node.name):"
                    + "\(link.name)'s MAC"
                return (target, found)
            }
        }
        return nil
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
        return EndpointTarget(endpoint: endpoint, node: node, namespace: .pid(pid), container: container.name)
    }

    private func engineTarget(
        _ engine: ContainerEngine,
        _ name: String,
        endpoint: String
    ) throws(EndpointError) -> EndpointTarget {
        let matches = inventory.engineContainers(of: engine, named: name)
        if matches.count > 1 {
            throw EndpointError(
                endpoint: endpoint,
                kind: .ambiguousName(candidates: matches.map { "\($0.endpointName) in \($0.source)" })
            )
        }
        guard let container = matches.first else {
            throw EndpointError(endpoint: endpoint, kind: .unknown(known: knownNames))
        }
        return try engineTarget(container, endpoint: endpoint)
    }

    private func engineTarget(_ container: EngineContainer, endpoint: String) throws(EndpointError) -> EndpointTarget {
        guard let namespace = container.namespace else { throw EndpointError(endpoint: endpoint, kind: .notRunning) }
        let node = NetworkNode(name: container.endpointName, kind: .container, namespacePath: namespace.filePath)
        return EndpointTarget(endpoint: endpoint, node: node, namespace: namespace)
    }

    private func registeredTarget(_ registered: RegisteredEndpoint) throws(EndpointError) -> EndpointTarget {
        var target: EndpointTarget
        if let name = registered.container, let engine = ContainerEngine(rawValue: registered.kind) {
            // A lab built with `--engine` registers its containers by the engine's own names.
            target = try engineTarget(engine, name, endpoint: registered.name)
        } else if let name = registered.container {
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
        if registered.ip != nil { target.addressOrigin = "the endpoint file" }
        return target
    }
}
