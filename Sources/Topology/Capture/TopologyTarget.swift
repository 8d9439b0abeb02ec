import Foundation
public import LinuxNet

/// A namespace to capture, with the name and kind output shows for it.
public struct TopologyTarget: Sendable, Hashable {
    /// `host`, a container name, or a netns name; unique within one capture.
    public var name: String
    public var kind: NodeKind
    public var namespace: NetworkNamespace

    public init(name: String, kind: NodeKind, namespace: NetworkNamespace) {
        self.name = name
        self.kind = kind
        self.namespace = namespace
    }

    /// A file that refers to the namespace from any thread: the namespace's own file, or for the current
    /// namespace the process's (lxcdiag's main thread never switches).
    var namespaceFile: String { namespace.filePath ?? "/proc/self/ns/net" }
}

extension TopologyTarget {
    /// The names under /run/netns (as `ip netns add` makes them), sorted; none when the directory is missing.
    ///
    /// Reads the directory listing only: each entry is a bind mount of a namespace, entered later by path.
    public static func namedNamespaces(directory: String = "/run/netns") -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted()
    }

    /// The host (`.current`, or the named namespace `hostNetns`, as `ip -n` names one) followed by every other
    /// named namespace under /run/netns when `scan` is set.
    public static func hostAndNamedNamespaces(hostNetns: String?, scan: Bool) -> [TopologyTarget] {
        let host = TopologyTarget(name: "host", kind: .host, namespace: hostNetns.map { .named($0) } ?? .current)
        guard scan else { return [host] }
        let others = namedNamespaces().filter { $0 != hostNetns && $0 != "host" }
        return [host] + others.map { TopologyTarget(name: $0, kind: .netns, namespace: .named($0)) }
    }
}
