/// An LXC container known on this host: defined under an lxcpath, running, or both.
package struct LXCContainer: Sendable, Hashable {
    package var name: String
    /// The lxcpath it is defined under (`/var/lib/lxc`), nil when only a running process names it.
    package var lxcpath: String?
    /// The parsed config, nil when the container has no readable config.
    package var config: LXCConfig?
    /// The container's init as the host sees it, nil when the container is not running.
    package var initPid: Int32?

    package init(name: String, lxcpath: String? = nil, config: LXCConfig? = nil, initPid: Int32? = nil) {
        self.name = name
        self.lxcpath = lxcpath
        self.config = config
        self.initPid = initPid
    }

    package var isRunning: Bool { initPid != nil }

    /// The network interfaces the config declares.
    package var declaredNetworks: [LXCNetworkDeclaration] { config?.networks ?? [] }
}
