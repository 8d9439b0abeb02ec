package import LinuxNet

/// What a capture point is on the path, which decides what it is expected to see.
package enum HopRole: String, Sendable, Hashable, Codable, CaseIterable {
    /// The interface of a probe's source or target that is not a container (an outside host, the host itself).
    case endpoint
    /// The host's link to the outside (em1, em1.211): a bridge port facing the switch.
    case uplink
    /// A bridge device itself. Without promiscuous mode it sees only frames delivered to or sent by the host
    /// stack and flooded broadcasts, never unicast forwarded between two ports.
    case bridge
    /// A port of a bridge (a switch port, a veth end enslaved to a bridge).
    case bridgePort = "bridge-port"
    /// The host end of a container's veth pair.
    case veth
    /// The lower device of a container's macvlan child.
    case macvlanParent = "macvlan-parent"
    /// The interface inside a container.
    case container

    /// Whether a unicast frame forwarded across this point is captured there.
    package var seesForwardedUnicast: Bool { self != .bridge }
}

/// One place to capture: an interface inside a namespace, named for output as `node:interface`.
package struct CapturePoint: Sendable, Hashable {
    /// How output names the namespace: `host`, a container name, or a netns name.
    package var node: String
    package var namespace: NetworkNamespace
    package var interface: String
    package var role: HopRole
    /// A side point: another port of a bridge the path crosses, off the path, where a frame should not appear
    /// unless it is flooded or misdelivered.
    package var isSide: Bool
    /// For a side point: the bridge (`node:interface`) whose other port it is, when known.
    package var bridge: String?

    package init(
        node: String,
        namespace: NetworkNamespace,
        interface: String,
        role: HopRole,
        isSide: Bool = false,
        bridge: String? = nil
    ) {
        self.node = node
        self.namespace = namespace
        self.interface = interface
        self.role = role
        self.isSide = isSide
        self.bridge = bridge
    }

    /// `node:interface`, the name a hop has in text output and pcapng interface blocks.
    package var label: String { "\(node):\(interface)" }
}
