package import LinuxNet

/// A namespace to capture, with the name and kind output shows for it.
package struct TopologyTarget: Sendable, Hashable {
    /// `host`, a container name, or a netns name; unique within one capture.
    package var name: String
    package var kind: NodeKind
    /// Where to capture.
    package var namespace: NetworkNamespace

    package init(name: String, kind: NodeKind, namespace: NetworkNamespace) {
        self.name = name
        self.kind = kind
        self.namespace = namespace
    }

    /// A file that refers to the namespace from any thread: the namespace's own file, or for the current
    /// namespace the process's (lxcdiag's main thread never switches).
    var namespaceFile: String { namespace.filePath ?? "/proc/self/ns/net" }
}
