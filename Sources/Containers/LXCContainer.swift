/// An LXC container known on this host: defined under an lxcpath, running, or both.
public struct LXCContainer: Sendable, Hashable {
    public var name: String
    /// The lxcpath it is defined under (`/var/lib/lxc`), nil when only a running process names it.
    public var lxcpath: String?
    /// The parsed config, nil when the container has no readable config.
    public var config: LXCConfig?
    /// The container's init as the host sees it, nil when the container is not running.
    public var initPid: Int32?

    public init(name: String, lxcpath: String? = nil, config: LXCConfig? = nil, initPid: Int32? = nil) {
        self.name = name
        self.lxcpath = lxcpath
        self.config = config
        self.initPid = initPid
    }

    public var isRunning: Bool { initPid != nil }

    /// The network interfaces the config declares.
    public var declaredNetworks: [LXCNetworkDeclaration] { config?.networks ?? [] }
}
