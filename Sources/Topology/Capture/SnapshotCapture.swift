public import LinuxNet
import Netlink

extension NamespaceSnapshot {
    /// Dumps links, IPv4 addresses, main-table routes, neighbours and bridge FDBs of one namespace.
    ///
    /// Runs on a dedicated thread inside the namespace (`withNetworkNamespace`), so the caller's thread never
    /// switches. Throws `NamespaceError` when the namespace cannot be entered and `NetlinkError` when the kernel
    /// refuses a dump.
    public static func capture(_ target: TopologyTarget) throws -> NamespaceSnapshot {
        let (dump, identity) = try withNetworkNamespace(target.namespace) {
            () throws -> (NamespaceDump, NamespaceIdentity?) in
            let socket = try NetlinkSocket()
            // Inside the namespace, .current names it: thread-self is the switched thread.
            return (try NamespaceDump(socket: socket), try? NetworkNamespace.current.identity())
        }
        let node = NetworkNode(
            name: target.name,
            kind: target.kind,
            namespacePath: target.namespace.filePath,
            namespaceInode: identity?.inode
        )
        return try NamespaceSnapshot(node: node, dump: dump)
    }

    /// Captures `namespace` under the name `name` (by default how lxcdiag describes the namespace).
    public static func capture(in namespace: NetworkNamespace, name: String? = nil) throws -> NamespaceSnapshot {
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
