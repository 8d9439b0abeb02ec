/// One network namespace in the topology, named the way output names it.
///
/// `name` is `host` for the namespace lxcdiag runs in (or the one `-n/--netns` names), the container name for
/// an LXC container, `ENGINE:NAME` for another engine's container (`docker:web`), and the netns name for a
/// namespace under /run/netns.
package struct NetworkNode: Codable, Sendable, Hashable {
    /// How output names the namespace: `host`, a container name, or a netns name.
    package var name: String
    /// What the namespace belongs to.
    package var kind: NodeKind
    /// The file that refers to the namespace (`/run/netns/NAME`, `/proc/PID/ns/net`), nil for the current one.
    package var namespacePath: String?
    /// The namespace's inode number, which tells two names for one namespace apart from two namespaces.
    package var namespaceInode: UInt64?
    /// Other names the same namespace was asked for under (a container's netns name, a registered endpoint),
    /// when one capture was given several; the namespace is captured once, under `name`.
    package var aliases: [String]?

    package init(
        name: String,
        kind: NodeKind,
        namespacePath: String? = nil,
        namespaceInode: UInt64? = nil,
        aliases: [String]? = nil
    ) {
        self.name = name
        self.kind = kind
        self.namespacePath = namespacePath
        self.namespaceInode = namespaceInode
        self.aliases = aliases
    }
}

/// What a namespace belongs to.
package enum NodeKind: String, Codable, Sendable, Hashable {
    /// The host: the namespace lxcdiag runs in, or the one given with `-n/--netns`.
    case host
    /// A named namespace under /run/netns.
    case netns
    /// A running LXC container (its init's namespace).
    case lxc
    /// Any process's namespace (`pid:PID`).
    case process
    /// A container of Docker, Podman, LXD or Proxmox, named `ENGINE:NAME` (`docker:web`).
    case container
}
