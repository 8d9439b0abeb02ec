package import LinuxNet
package import PacketCodec

/// A place a probe can start or end, as registered in an endpoint file (the lab writes one).
///
/// The file is JSON: `{"schema": "lxcdiag.endpoints/1", "endpoints": [{"name": "ext", "netns": "lxcdiag-ext",
/// "interface": "eth0", "ip": "192.0.2.1", "kind": "netns"}]}`. `netns` is a name under /run/netns; `pid`
/// may stand instead of it; `container` names an LXC container whose init gives the namespace.
package struct RegisteredEndpoint: Codable, Sendable, Hashable {
    package var name: String
    /// What the endpoint is: `netns`, `lxc`, `host` or `outside`.
    package var kind: String
    package var netns: String?
    package var pid: Int32?
    package var container: String?
    package var interface: String?
    package var ip: IPv4Address?
    package var note: String?
    /// For `lxc` endpoints: the named netns in which the container was started. LXC's command socket is
    /// abstract, so `lxc-info`/`lxc-attach`/`lxc-stop` for it must run via `ip netns exec <starterNetns>`.
    package var starterNetns: String?

    package init(
        name: String,
        kind: String,
        netns: String? = nil,
        pid: Int32? = nil,
        container: String? = nil,
        interface: String? = nil,
        ip: IPv4Address? = nil,
        note: String? = nil,
        starterNetns: String? = nil
    ) {
        self.name = name
        self.kind = kind
        self.netns = netns
        self.pid = pid
        self.container = container
        self.interface = interface
        self.ip = ip
        self.note = note
        self.starterNetns = starterNetns
    }

    /// The namespace the endpoint's name stands for, when the file says so directly.
    package var namespace: NetworkNamespace? {
        if let netns { return .named(netns) }
        if let pid { return .pid(pid) }
        return nil
    }
}

/// An endpoint resolved against the running system: the namespace, interface and addresses a probe uses.
package struct ResolvedEndpoint: Sendable, Hashable {
    /// The name the user typed (`ext`, `ct1`, `netns:foo`, `ip:10.0.0.5`).
    package var endpoint: String
    /// How output names the namespace: `host`, the container name, or the netns name.
    package var node: String
    package var namespace: NetworkNamespace
    package var interface: String
    package var ip: IPv4Address?
    package var mac: MACAddress?
    /// Where `ip` came from when `interface` does not hold it: `the endpoint file`, `lxc.net.0.ipv4.address in
    /// /var/lib/lxc/ct1/config`, `a neighbour entry in ext`. Nil when the interface holds it (or there is none).
    package var addressOrigin: String?

    package init(
        endpoint: String,
        node: String,
        namespace: NetworkNamespace,
        interface: String,
        ip: IPv4Address?,
        mac: MACAddress?,
        addressOrigin: String? = nil
    ) {
        self.endpoint = endpoint
        self.node = node
        self.namespace = namespace
        self.interface = interface
        self.ip = ip
        self.mac = mac
        self.addressOrigin = addressOrigin
    }
}
