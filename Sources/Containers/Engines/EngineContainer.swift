package import LinuxNet
package import PacketCodec

/// The container engines whose containers lxcdiag finds by reading the engine's own state.
package enum ContainerEngine: String, Sendable, Hashable, Codable, CaseIterable {
    case docker
    case podman
    case lxd
    case proxmox

    /// The prefix of the endpoint names its containers take: `docker:web`, `podman:db`, `lxd:c1`, `pve:101`.
    package var prefix: String { self == .proxmox ? "pve" : rawValue }

    /// The engine an endpoint prefix names, nil for any other prefix (`netns`, `pid`, ...).
    package init?(prefix: String) {
        guard let engine = Self.allCases.first(where: { $0.prefix == prefix }) else { return nil }
        self = engine
    }
}

/// One network a container is attached to, as its engine records it.
package struct EngineNetwork: Sendable, Hashable {
    /// The engine's name for the network (`bridge`, `mv0`, `lxdbr0`, `vmbr0`).
    package var name: String
    /// `bridge`, `macvlan`, `ipvlan`, `veth` (LXD, Proxmox), ... as the engine calls it; nil when it does not say.
    package var driver: String?
    /// The interface inside the container (`eth0`), when the engine records it.
    package var interface: String?
    /// The host interface it hangs off: the bridge of a bridge network, the parent of a macvlan or ipvlan.
    package var hostInterface: String?
    package var mac: MACAddress?
    package var ipv4: IPv4Network?

    package init(
        name: String,
        driver: String? = nil,
        interface: String? = nil,
        hostInterface: String? = nil,
        mac: MACAddress? = nil,
        ipv4: IPv4Network? = nil
    ) {
        self.name = name
        self.driver = driver
        self.interface = interface
        self.hostInterface = hostInterface
        self.mac = mac
        self.ipv4 = ipv4
    }
}

/// A container of Docker, Podman, LXD or Proxmox, found in the engine's own files.
package struct EngineContainer: Sendable, Hashable {
    package var engine: ContainerEngine
    /// The engine's name for it (`web`; Proxmox: the CT's id, `101`).
    package var name: String
    /// The engine's id (Docker's and Podman's 64 hex digits; LXD's and Proxmox's name).
    package var id: String
    /// The container's first process as this host sees it, nil when not running.
    package var pid: Int32?
    /// The file that holds the container's network namespace (Docker's /var/run/docker/netns/ID, Podman's
    /// /run/netns/netns-UUID); nil when the engine keeps none, and then the namespace is the process's.
    package var namespaceFile: String?
    package var networks: [EngineNetwork]
    /// The engine's state file it was read from, for messages.
    package var source: String

    package init(
        engine: ContainerEngine,
        name: String,
        id: String,
        pid: Int32? = nil,
        namespaceFile: String? = nil,
        networks: [EngineNetwork] = [],
        source: String
    ) {
        self.engine = engine
        self.name = name
        self.id = id
        self.pid = pid
        self.namespaceFile = namespaceFile
        self.networks = networks
        self.source = source
    }

    /// The endpoint name every command accepts for it: `docker:web`.
    package var endpointName: String { "\(engine.prefix):\(name)" }

    package var isRunning: Bool { pid != nil || namespaceFile != nil }

    /// The container's network namespace: its namespace file, else its process's; nil when it is not running.
    package var namespace: NetworkNamespace? {
        if let namespaceFile { return .path(namespaceFile) }
        return pid.map(NetworkNamespace.pid)
    }
}
