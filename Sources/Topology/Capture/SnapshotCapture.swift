package import LinuxNet
internal import Netlink

extension NamespaceSnapshot {
    /// Dumps links, IPv4 addresses, main-table routes, neighbours and bridge FDBs of one namespace.
    ///
    /// Runs on a dedicated thread inside the namespace (`withNetworkNamespace`), so the caller's thread never
    /// switches. Throws `NamespaceError` when the namespace cannot be entered and `NetlinkError` when the kernel
    /// refuses a dump.
    ///
    /// When the namespace's links reach into two or more other namespaces, it is also asked which id it gives
    /// each of `others` (`namespaceIDs`), which makes resolving its veth peers exact.
    package static func capture(_ target: TopologyTarget, others: [TopologyTarget] = []) throws -> NamespaceSnapshot {
        try withNetworkNamespace(target.namespace) { try captureCurrent(target, others: others) }
    }

    /// Captures as `capture(_:others:)` does, on the calling thread, which must be inside `target`'s namespace
    /// (a worker of `mapInNetworkNamespaces`).
    static func captureCurrent(_ target: TopologyTarget, others: [TopologyTarget]) throws -> NamespaceSnapshot {
        let socket = try NetlinkSocket()
        let dump = try NamespaceDump(socket: socket)
        // Inside the namespace, .current names it: thread-self is the switched thread.
        let identity = try? NetworkNamespace.current.identity()
        let node = NetworkNode(
            name: target.name,
            kind: target.kind,
            namespacePath: target.namespace.filePath,
            namespaceInode: identity?.inode
        )
        var snapshot = try NamespaceSnapshot(node: node, dump: dump)
        if Set(snapshot.links.compactMap(\.linkNetnsID)).count >= 2 {
            var ids: [String: Int32] = [:]
            for other in others where other.name != target.name {
                if let id = try? socket.namespaceID(ofNamespaceFile: other.namespaceFile) { ids[other.name] = id }
            }
            snapshot.namespaceIDs = ids
        }
        return snapshot
    }

    /// Captures `namespace` under the name `name` (by default how lxcdiag describes the namespace).
    package static func capture(in namespace: NetworkNamespace, name: String? = nil) throws -> NamespaceSnapshot {
        let kind: NodeKind
        switch namespace {
        case .current: kind = .host
        case .named: kind = .netns
        case .pid, .path: kind = .process
        }
        let defaultName: String
        switch namespace {
        case .current: defaultName = "host"
        case .named(let netns): defaultName = netns
        case .pid(let pid): defaultName = "pid:\(pid)"
        case .path(let path): defaultName = path
        }
        return try capture(TopologyTarget(name: name ?? defaultName, kind: kind, namespace: namespace))
    }
}
