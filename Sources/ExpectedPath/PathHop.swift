package import PacketCodec

/// Why a frame reaches a hop.
package enum HopReason: String, Sendable, Hashable, Codable {
    /// The sender's route lookup chose this interface.
    case routeLookup = "route-lookup"
    /// The frame crossed a veth pair to its other end.
    case vethPeer = "veth-peer"
    /// The bridge's forwarding database names this port for the destination MAC.
    case bridgeFDB = "bridge-fdb"
    /// The destination MAC is not in the bridge's FDB, so the bridge floods and this port is the one that leads on.
    case bridgeFlood = "bridge-flood"
    /// The frame goes up to the bridge device itself (its own MAC, or a macvlan child of the bridge).
    case bridgeLocal = "bridge-local"
    /// A macvlan child sends through its parent.
    case macvlanParent = "macvlan-parent"
    /// The parent hands the frame to the macvlan child that owns the destination MAC.
    case macvlanChild = "macvlan-child"
    /// An ipvlan child sends through its parent (in L3 mode routed by the parent's namespace).
    case ipvlanParent = "ipvlan-parent"
    /// The parent hands the packet to the ipvlan child that holds the destination address (the children share
    /// the parent's MAC, so the address decides).
    case ipvlanChild = "ipvlan-child"
    /// A trunk hands a tagged frame to its 802.1Q subinterface of that VID, which strips the tag.
    case vlanChild = "vlan-child"
    /// The frame leaves through a physical interface into a network this host cannot see.
    case outside
    /// The frame comes back from the outside network on this interface (the switch is assumed to deliver it).
    case fromOutside = "from-outside"
    /// A namespace routes the packet on (forwarding).
    case routed
    /// The interface owns the destination address: the frame has arrived.
    case delivered
}

/// What one hop does with the frame.
package enum HopDirection: String, Sendable, Hashable, Codable {
    /// The frame leaves the namespace's stack through this interface.
    case egress
    /// The frame arrives on this interface.
    case ingress
    /// A bridge decides where the frame goes (captures on the bridge device do not see forwarded frames).
    case bridging
    /// A bridge sends the frame out of this port.
    case forward
}

/// A disagreement between what the target's declared attachment says and what the kernel's tables hold, found
/// at one hop: the walk goes on along the intended path and records it here instead of walking elsewhere.
package struct PathFinding: Sendable, Hashable, Codable {
    /// The catalogue code (`FDB_WRONG_PORT`, `ADDRESS_NOT_CONFIGURED`; see docs/findings.md).
    package var code: String
    package var summary: String
    /// The table entries that show it (`fdb 02:.. dev veth-ct2 master br0 static`).
    package var evidence: [String]
    /// What repairs it: a command runnable as printed (namespace-qualified) when the place is known, else what
    /// to do (the interface that should hold an address nobody holds is not known).
    package var fix: String?

    package init(code: String, summary: String, evidence: [String], fix: String? = nil) {
        self.code = code
        self.summary = summary
        self.evidence = evidence
        self.fix = fix
    }
}

/// One place the frame should be seen on its way.
package struct PathHop: Sendable, Hashable, Codable {
    /// The namespace's node name (`host`, a container, a netns name); `outside` for the unseen network.
    package var node: String
    package var interface: String
    package var direction: HopDirection
    package var reason: HopReason
    /// Evidence in words: the route, FDB entry, neighbour entry or macvlan mode that sends the frame here.
    package var detail: String
    /// The destination MAC the frame carries at this hop.
    package var destinationMAC: MACAddress?
    /// Set when the frame cannot pass here, saying why (port blocking, macvlan parent, link down).
    package var blocked: String?
    /// Set when this hop is a design limit (macvlan parent to child), not a fault.
    package var blockedByDesign: Bool
    /// True when a capture on this interface in this namespace should see the frame (false for a bridge device
    /// that forwards between ports, and for the outside network).
    package var observable: Bool
    /// Netfilter chains and sysctls of this namespace that can drop the frame here (see `addCautions`).
    package var cautions: [String]
    /// Where the kernel's state disagrees with the intended path at this hop (a wrong FDB entry, the target's
    /// missing address); the frame dies here although the walk goes on to the target.
    package var findings: [PathFinding]

    package init(
        node: String,
        interface: String,
        direction: HopDirection,
        reason: HopReason,
        detail: String,
        destinationMAC: MACAddress? = nil,
        blocked: String? = nil,
        blockedByDesign: Bool = false,
        observable: Bool = true
    ) {
        self.node = node
        self.interface = interface
        self.direction = direction
        self.reason = reason
        self.detail = detail
        self.destinationMAC = destinationMAC
        self.blocked = blocked
        self.blockedByDesign = blockedByDesign
        self.observable = observable
        self.cautions = []
        self.findings = []
    }
}

/// Where a path starts or ends: a node in the topology, an interface there, and an address.
package struct PathEndpoint: Sendable, Hashable, Codable {
    /// The name the user typed.
    package var endpoint: String
    package var node: String
    /// The interface the endpoint sends from or receives on.
    package var interface: String?
    /// True when the endpoint fixes its interface (`iface:em2`, or an endpoint file entry naming one): the walk then
    /// sends from it instead of the interface the route lookup picks.
    package var interfacePinned: Bool
    /// The endpoint's address; a destination needs one, a source (`iface:em1` without an address) may lack it.
    package var ip: IPv4Address?
    package var mac: MACAddress?
    /// Where `ip` came from when the interface does not hold it (the endpoint file, the LXC config, a neighbour
    /// entry elsewhere), in words; nil when the interface holds it or the source needs none.
    package var addressOrigin: String?

    package init(
        endpoint: String,
        node: String,
        interface: String?,
        interfacePinned: Bool = false,
        ip: IPv4Address?,
        mac: MACAddress? = nil,
        addressOrigin: String? = nil
    ) {
        self.endpoint = endpoint
        self.node = node
        self.interface = interface
        self.interfacePinned = interfacePinned
        self.ip = ip
        self.mac = mac
        self.addressOrigin = addressOrigin
    }
}

/// The hops a frame from one endpoint to another is expected to take, as the kernel's tables say.
package struct ExpectedPath: Sendable, Hashable, Codable {
    package static let schema = "lxcdiag.path/1"
    package var schema: String
    package var from: PathEndpoint
    package var to: PathEndpoint
    package var hops: [PathHop]
    /// True when the walk reached the destination without a blocked hop and no hop has a finding.
    package var reachable: Bool
    /// Things the walk had to assume or could not decide (an unseen outside network, a stale neighbour entry).
    package var notes: [String]

    package init(from: PathEndpoint, to: PathEndpoint, hops: [PathHop], reachable: Bool, notes: [String]) {
        self.schema = Self.schema
        self.from = from
        self.to = to
        self.hops = hops
        self.reachable = reachable
        self.notes = notes
    }

    /// The first hop the frame cannot pass, if any.
    package var blockedHop: PathHop? { hops.first { $0.blocked != nil } }

    /// Every hop finding, in path order, with the hop it is at.
    package var findings: [(hop: PathHop, finding: PathFinding)] {
        hops.flatMap { hop in hop.findings.map { (hop, $0) } }
    }
}
