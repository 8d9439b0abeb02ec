package import PacketCodec
package import Topology

/// Computes the expected path of a frame between two endpoints from the captured topology. Pure: no I/O.
package enum PathFinder {
    /// The hops from `from` to `to`, each with its reason, following routes, neighbours, veth peers, bridge FDBs
    /// (or flooding) and macvlan parents and children, until the destination address is reached or a hop blocks.
    package static func path(from: PathEndpoint, to: PathEndpoint, in topology: HostTopology) -> ExpectedPath {
        var walk = PathWalk(topology: topology, from: from, to: to)
        walk.run()
        return ExpectedPath(from: from, to: to, hops: walk.hops, reachable: walk.reachable, notes: walk.notes)
    }
}

extension PathFinder {
    /// The interface `from`'s route lookup sends a frame for `address` out of (its pinned one when it has one);
    /// nil when it has no route there. A target nobody holds is the segment behind it.
    package static func egressInterface(
        from: PathEndpoint,
        toward address: IPv4Address,
        in topology: HostTopology
    ) -> String? {
        if from.interfacePinned, let interface = from.interface { return interface }
        guard let namespace = topology.namespace(named: from.node),
            let reference = namespace.route(to: address)?.interface
        else { return nil }
        return namespace.link(index: reference.index)?.name
    }
}

/// One walk through the topology; `run` appends hops until the frame is delivered or stops.
struct PathWalk {
    let topology: HostTopology
    let from: PathEndpoint
    let to: PathEndpoint
    var hops: [PathHop] = []
    var notes: [String] = []
    var reachable = false
    /// The destination address (`to.ip`, checked by `run`).
    private var destination = IPv4Address.any
    /// The VLAN the frame is in since it entered a VLAN-filtering bridge (its port's PVID), when known: it picks
    /// the 802.1Q subinterface of a trunk the frame arrives on.
    private var vlan: UInt16?

    /// Where the walk is: routing in a namespace, sending out of a link, arriving on a link, or in a bridge.
    enum Step {
        case route(NamespaceSnapshot, interface: String?)
        case transmit(PlacedLink, MACAddress?)
        case receive(PlacedLink, MACAddress?)
        case bridge(PlacedLink, MACAddress?, ingress: PlacedLink?)
    }

    init(topology: HostTopology, from: PathEndpoint, to: PathEndpoint) {
        self.topology = topology
        self.from = from
        self.to = to
    }

    mutating func run() {
        guard let target = to.ip else {
            notes.append("\(to.endpoint) has no IPv4 address to send to")
            return
        }
        destination = target
        // A hop finding means the frame dies there in fact, though the walk went on along the intended path.
        defer { if hops.contains(where: { !$0.findings.isEmpty }) { reachable = false } }
        guard let source = topology.namespace(named: from.node) else {
            notes.append("\(from.node) is not in the captured topology")
            return
        }
        var step = Step.route(source, interface: from.interfacePinned ? from.interface : nil)
        // Bounded: a loop in the wiring (two bridges joined twice) ends the walk instead of spinning.
        for _ in 0..<64 {
            let next: Step?
            switch step {
            case .route(let namespace, let interface): next = route(in: namespace, forcing: interface)
            case .transmit(let link, let mac): next = transmit(link, mac)
            case .receive(let link, let mac): next = receive(link, mac)
            case .bridge(let bridge, let mac, let ingress): next = forward(bridge, mac, ingress: ingress)
            }
            guard let next else { return }
            if hops.last?.blocked != nil { return }
            step = next
        }
        notes.append("the walk went through more than 64 steps; the wiring may loop")
    }

    // MARK: routing

    private mutating func route(in namespace: NamespaceSnapshot, forcing interface: String?) -> Step? {
        let isSource = hops.isEmpty
        var sourceFinding: PathFinding?
        var outLink: Link?
        var gateway: IPv4Address?
        var detail: String
        let route = namespace.route(to: destination)
        if let interface, isSource {
            guard let link = namespace.link(named: interface) else {
                block(namespace.node.name, interface, "no interface \(interface) in \(namespace.node.name)")
                return nil
            }
            outLink = link
            if let route, route.interface?.index == link.index {
                gateway = route.gateway
                detail = "sent from \(interface), the endpoint's interface; \(describe(route))"
            } else {
                detail = "sent from \(interface), the endpoint's interface (\(destination) treated as on-link)"
                if route == nil {
                    // Raw probes leave anyway; the namespace's own stack has nowhere to send.
                    sourceFinding = noRoute(
                        in: namespace,
                        dev: link,
                        to: destination,
                        "\(namespace.node.name) has no route to \(destination): its own traffic cannot be sent there"
                    )
                }
            }
        } else {
            guard let route, let reference = route.interface, let link = namespace.link(index: reference.index) else {
                // The hop where it is: the sender's own interface (so a trace captures there and still runs), or
                // the interface the forwarding namespace received the frame on.
                if isSource {
                    block(
                        namespace.node.name,
                        from.interface ?? "-",
                        "\(namespace.node.name) has no route to \(destination)"
                    )
                } else {
                    markLastBlocked("\(namespace.node.name) (forwarding) has no route to \(destination)")
                }
                return nil
            }
            outLink = link
            gateway = route.gateway
            detail = describe(route)
        }
        guard let outLink else { return nil }
        let placed = PlacedLink(namespace: namespace, link: outLink)
        let nextHop = gateway ?? destination
        // Only holders on the frame's own segment compete for ARP; the same address in an unconnected namespace
        // (another lab, a test) does not.
        let segment = topology.segment(of: placed)
        let allHolders = topology.holders(of: nextHop)
        let connected = allHolders.filter { segment.contains($0.reference) }
        let holders = connected.isEmpty ? allHolders : connected
        // The destination's own namespace wins when several hold the address; the others are noted as conflicts.
        let owner = holders.first { $0.node == to.node && nextHop == destination } ?? holders.first
        if holders.count > 1 {
            notes.append(
                "\(nextHop) is held by several namespaces (\(holders.map(\.label).joined(separator: ", "))): "
                    + "ARP answers may conflict; the path assumes \(owner!.label)"
            )
        }
        let neighbour = namespace.neighbour(nextHop, on: outLink)
        var mac = owner?.link.mac
        if let neighbour {
            let cached = neighbour.mac.map { "\($0)" } ?? "no MAC"
            detail += "; neighbour \(nextHop) \(cached) (\(neighbour.state.rawValue))"
            if let cachedMAC = neighbour.mac, let expected = owner?.link.mac, cachedMAC != expected {
                notes.append(
                    "\(namespace.node.name) caches \(nextHop) as \(cachedMAC) but \(owner!.label) holds it with "
                        + "\(expected): the cache is stale or another host answers for it"
                )
            }
        } else {
            detail += "; no neighbour entry for \(nextHop) yet (ARP resolves it)"
        }
        /// The hop leaving this namespace by `outLink` towards `mac`, as the route lookup chose it.
        func egressHop(to mac: MACAddress?) -> PathHop {
            PathHop(
                node: namespace.node.name,
                interface: outLink.name,
                direction: .egress,
                reason: isSource ? .routeLookup : .routed,
                detail: detail,
                destinationMAC: mac,
                blocked: outLink.downReason
            )
        }
        if owner == nil, nextHop == destination, let declared = to.mac, let interface = to.interface {
            // Intent first: the target's declared interface should hold the address, so the frame goes there.
            mac = declared
            notes.append(
                "no captured namespace holds \(nextHop); the path follows \(to.node):\(interface) (\(declared)), "
                    + "which should hold it" + (to.addressOrigin.map { " (address from \($0))" } ?? "")
            )
        } else if owner == nil, nextHop == destination, to.node == from.node, to.mac == nil {
            // The target is the segment the route points at (`ip:ADDR` nobody holds or is declared to hold).
            let segment = topology.segment(of: placed)
            let others = topology.namespaces.filter { other in
                other.node.name != namespace.node.name
                    && other.links.contains { link in
                        segment.contains(PlacedLink(namespace: other, link: link).reference)
                    }
            }
            var hop = egressHop(to: neighbour?.mac)
            let reached = others.map(\.node.name).joined(separator: ", ")
            hop.findings.append(
                PathFinding(
                    code: "ADDRESS_NOT_CONFIGURED",
                    summary: "nobody on the segment \(placed.label) leads to holds \(destination)",
                    evidence: [
                        "the segment reaches \(others.isEmpty ? "no other captured namespace" : reached)",
                        "no captured interface holds \(destination)",
                        "no endpoint file entry, LXC config or neighbour entry names an interface that should hold it",
                    ],
                    fix: "give the interface that should hold \(destination) the address in its namespace "
                        + "(ip addr add \(destination)/LEN dev IFACE), or register it with an \"ip\" in the endpoint file"
                )
            )
            hops.append(hop)
            notes.append("no captured namespace holds \(nextHop), and nothing names who should")
            return nil
        } else if owner == nil {
            mac = neighbour?.mac
            notes.append("no captured namespace holds \(nextHop); it must be outside this host")
        }
        var hop = egressHop(to: mac)
        if let sourceFinding { hop.findings.append(sourceFinding) }
        hops.append(hop)
        if outLink.downReason != nil { return nil }
        if outLink.kind == .bridge { return .bridge(placed, mac, ingress: nil) }
        return .transmit(placed, mac)
    }

    private func describe(_ route: Route) -> String {
        let prefix = route.prefixLength == 0 ? "default" : "\(route.destination)/\(route.prefixLength)"
        let via = route.gateway.map { " via \($0)" } ?? ""
        return "route \(prefix)\(via) dev \(route.interface?.name ?? "?")"
    }

    // MARK: sending out of a link

    private mutating func transmit(_ link: PlacedLink, _ mac: MACAddress?) -> Step? {
        // The parent's own stack sends out of the parent; ipvlan never hands those to its children.
        if link.link.kind != .ipvlan, hops.last?.reason != .ipvlanParent, let child = ipvlanChild(of: link) {
            var hop = ipvlanChildHop(child, parent: link, mac: mac)
            hop.blocked =
                "\(link.label)'s own stack cannot reach its ipvlan children (by design); send through another "
                + "interface and the outside network instead"
            hop.blockedByDesign = true
            hops.append(hop)
            return nil
        }
        switch link.link.kind {
        case .veth:
            guard let peer = topology.peer(of: link) else {
                markLastBlocked("the veth peer of \(link.label) is in no captured namespace")
                return nil
            }
            hops.append(
                PathHop(
                    node: peer.node,
                    interface: peer.link.name,
                    direction: .ingress,
                    reason: .vethPeer,
                    detail: "veth peer of \(link.label)",
                    destinationMAC: mac,
                    blocked: peer.link.downReason
                )
            )
            return .receive(peer, mac)
        case .macvlan:
            return macvlanTransmit(link, mac)
        case .ipvlan:
            return ipvlanTransmit(link, mac)
        case .bridge:
            return .bridge(link, mac, ingress: nil)
        case .loopback:
            return .receive(link, mac)
        default:
            return leaveHost(link, mac)
        }
    }

    private mutating func macvlanTransmit(_ child: PlacedLink, _ mac: MACAddress?) -> Step? {
        guard let parent = topology.parent(of: child) else {
            markLastBlocked("the macvlan parent of \(child.label) is in no captured namespace")
            return nil
        }
        let mode = child.link.macvlan?.mode ?? .unknown
        if let mac, let sibling = topology.macvlanChildren(of: parent).first(where: { $0.link.mac == mac }) {
            switch mode {
            case .bridge:
                hops.append(
                    PathHop(
                        node: sibling.node,
                        interface: sibling.link.name,
                        direction: .ingress,
                        reason: .macvlanChild,
                        detail: "macvlan bridge mode: \(child.label) reaches sibling \(sibling.label) on "
                            + "\(parent.label) directly",
                        destinationMAC: mac,
                        blocked: sibling.link.downReason
                    )
                )
                return .receive(sibling, mac)
            case .private:
                var hop = macvlanChildHop(sibling, parent: parent, mac: mac)
                hop.blocked = "macvlan private mode: \(child.label) cannot reach its sibling \(sibling.label)"
                hop.blockedByDesign = true
                hops.append(hop)
                return nil
            default:
                notes.append(
                    "macvlan \(mode.rawValue) mode: the frame to \(sibling.label) must be hairpinned by the switch"
                )
            }
        }
        hops.append(
            PathHop(
                node: parent.node,
                interface: parent.link.name,
                direction: .egress,
                reason: .macvlanParent,
                detail: "macvlan child \(child.label) (mode \(mode.rawValue)) sends through its parent",
                destinationMAC: mac,
                blocked: parent.link.downReason,
                observable: parent.link.kind != .bridge
            )
        )
        if parent.link.downReason != nil { return nil }
        if parent.link.kind == .bridge { return .bridge(parent, mac, ingress: nil) }
        return .transmit(parent, mac)
    }

    /// An ipvlan child sends: to a sibling holding the destination directly (the parent hands it over by address;
    /// not with the private flag), otherwise out of the parent, in L3 mode after the parent's namespace routed it.
    private mutating func ipvlanTransmit(_ child: PlacedLink, _ mac: MACAddress?) -> Step? {
        guard let parent = topology.parent(of: child) else {
            markLastBlocked("the ipvlan parent of \(child.label) is in no captured namespace")
            return nil
        }
        let settings = child.link.ipvlan ?? IpvlanSettings(mode: .unknown)
        if let sibling = ipvlanChild(of: parent), sibling.reference != child.reference {
            var hop = ipvlanChildHop(sibling, parent: parent, mac: mac)
            if settings.isPrivate {
                hop.blocked = "ipvlan private flag: \(child.label) cannot reach its sibling \(sibling.label)"
                hop.blockedByDesign = true
                hops.append(hop)
                return nil
            }
            hop.detail =
                "ipvlan \(settings.text): \(child.label) reaches sibling \(sibling.label) on \(parent.label) "
                + "directly (it holds \(destination))"
            hops.append(hop)
            return .receive(sibling, mac)
        }
        let routed =
            settings.mode == .l2 ? "" : "; L3 mode: routed by \(parent.node)'s namespace, which resolves the next hop"
        hops.append(
            PathHop(
                node: parent.node,
                interface: parent.link.name,
                direction: .egress,
                reason: .ipvlanParent,
                detail: "ipvlan child \(child.label) (mode \(settings.text)) sends through its parent\(routed)",
                destinationMAC: mac,
                blocked: parent.link.downReason
            )
        )
        if parent.link.downReason != nil { return nil }
        return .transmit(parent, mac)
    }

    /// The ipvlan child of `parent` that holds the destination address, if one does.
    private func ipvlanChild(of parent: PlacedLink) -> PlacedLink? {
        topology.ipvlanChildren(of: parent).first { $0.namespace.holds(destination) }
    }

    private func ipvlanChildHop(_ child: PlacedLink, parent: PlacedLink, mac: MACAddress?) -> PathHop {
        let settings = child.link.ipvlan ?? IpvlanSettings(mode: .unknown)
        let arp =
            settings.mode.answersARP
            ? "it answers ARP with the parent's MAC"
            : "L3 mode: it answers no ARP (NOARP), so the sender needs a route or neighbour entry for "
                + "\(destination) via \(parent.label)'s MAC"
        return PathHop(
            node: child.node,
            interface: child.link.name,
            direction: .ingress,
            reason: .ipvlanChild,
            detail: "ipvlan child of \(parent.label) (mode \(settings.text)) holds \(destination); \(arp)",
            destinationMAC: mac,
            blocked: child.link.downReason
        )
    }

    /// A physical interface: the frame leaves into the network outside. If it comes back in (the lab's switch,
    /// or a real one between em2 and em1), it arrives on the physical bridge port that leads to the destination.
    private mutating func leaveHost(_ link: PlacedLink, _ mac: MACAddress?) -> Step? {
        hops.append(
            PathHop(
                node: "outside",
                interface: "-",
                direction: .forward,
                reason: .outside,
                detail: "leaves \(link.label) into the network outside this host",
                destinationMAC: mac,
                observable: false
            )
        )
        guard let mac else {
            notes.append(
                "the frame leaves through \(link.label); the destination MAC is unknown, so its way back is not"
            )
            return nil
        }
        for namespace in topology.namespaces {
            for candidate in namespace.links where candidate.kind == .physical || candidate.kind == .vlan {
                let placed = PlacedLink(namespace: namespace, link: candidate)
                guard placed.reference != link.reference else { continue }
                let owns = candidate.mac == mac
                let bridged =
                    topology.bridge(of: placed).map { bridge in
                        bridge.link.mac == mac || topology.macvlanChildren(of: bridge).contains { $0.link.mac == mac }
                            || bridge.namespace.ports(of: bridge.link).contains { port in
                                topology.leads(PlacedLink(namespace: bridge.namespace, link: port), to: mac)
                            }
                    } ?? false
                guard owns || bridged else { continue }
                notes.append("assumed: the outside network delivers the frame from \(link.label) to \(placed.label)")
                hops.append(
                    PathHop(
                        node: placed.node,
                        interface: candidate.name,
                        direction: .ingress,
                        reason: .fromOutside,
                        detail: "comes back from the outside network (\(mac) is reached through here)",
                        destinationMAC: mac,
                        blocked: candidate.downReason
                    )
                )
                return .receive(placed, mac)
            }
        }
        notes.append("the frame leaves through \(link.label); nothing captured shows where it goes from there")
        return nil
    }

    // MARK: arriving on a link

    private mutating func receive(_ link: PlacedLink, _ mac: MACAddress?) -> Step? {
        if let bridge = topology.bridge(of: link) {
            if let state = link.link.bridgePort?.state, state != .forwarding {
                markLastBlocked(
                    "bridge port \(link.label) is in STP state \(state.rawValue) and drops what it receives"
                )
                return nil
            }
            if bridge.link.bridge?.vlanFiltering == true, vlan == nil {
                vlan = link.link.bridgePort?.pvid
            }
            return .bridge(bridge, mac, ingress: link)
        }
        if let mac, link.link.mac != mac,
            let child = topology.macvlanChildren(of: link).first(where: { $0.link.mac == mac })
        {
            hops.append(macvlanChildHop(child, parent: link, mac: mac))
            return .receive(child, mac)
        }
        // The children have the parent's MAC: the parent hands them what is addressed to it, by destination IP.
        if link.link.kind != .ipvlan, let child = ipvlanChild(of: link), mac == nil || mac == link.link.mac {
            hops.append(ipvlanChildHop(child, parent: link, mac: mac))
            return .receive(child, mac)
        }
        if let step = vlanChild(of: link, mac) { return step }
        if let mac, !mac.isBroadcast, !mac.isMulticast, let own = link.link.mac, own != mac {
            markLastBlocked(
                "the frame is for \(mac) but \(link.label) is \(own); the stack drops frames for other hosts"
            )
            return nil
        }
        if link.node == to.node, link.link.name == to.interface, !link.namespace.holds(destination) {
            addressNotConfigured(at: link)
            return nil
        }
        if link.namespace.holds(destination) {
            if let index = hops.indices.last {
                hops[index].detail += "; \(link.node) holds \(destination): delivered"
            }
            if link.node != to.node {
                notes.append("\(destination) is held by \(link.node), not by \(to.node) as the endpoint says")
            }
            // The replies need a way back: a target without a route to the source is a finding where it is.
            if let back = from.ip, link.node != from.node, link.namespace.route(to: back) == nil,
                let index = hops.indices.last
            {
                hops[index].findings.append(
                    noRoute(
                        in: link.namespace,
                        dev: link.link,
                        to: back,
                        "\(link.node) has no route back to \(back), so its replies cannot be sent"
                    )
                )
            }
            reachable = true
            return nil
        }
        return .route(link.namespace, interface: nil)
    }

    /// A trunk with 802.1Q subinterfaces: the frame goes on through the subinterface of the VID it carries. The
    /// tag comes from the switch, which this host cannot see, so the walk takes the subinterface that is a port
    /// of a bridge (the lowest VID first) and names the others; the trace captures on all of them.
    private mutating func vlanChild(of link: PlacedLink, _ mac: MACAddress?) -> Step? {
        let children = topology.vlanChildren(of: link)
        let inBridge = children.filter { topology.bridge(of: $0) != nil }
        guard
            let child = inBridge.first(where: { $0.link.vlan?.id == vlan }) ?? inBridge.first ?? children.first,
            let vid = child.link.vlan?.id
        else { return nil }
        let others = children.filter { $0.reference != child.reference }.map(\.link.name)
        let known = vlan == vid
        vlan = nil
        hops.append(
            PathHop(
                node: child.node,
                interface: child.link.name,
                direction: .ingress,
                reason: .vlanChild,
                detail: "802.1Q subinterface of \(link.label): takes frames tagged \(vid) and strips the tag"
                    + (known ? " (the VLAN the switch put the frame in)" : "")
                    + (others.isEmpty ? "" : "; frames of other VLANs go to \(others.joined(separator: ", "))"),
                destinationMAC: mac,
                blocked: child.link.downReason
            )
        )
        return .receive(child, mac)
    }

    private func macvlanChildHop(_ child: PlacedLink, parent: PlacedLink, mac: MACAddress) -> PathHop {
        let mode = child.link.macvlan?.mode.rawValue ?? "unknown"
        return PathHop(
            node: child.node,
            interface: child.link.name,
            direction: .ingress,
            reason: .macvlanChild,
            detail: "macvlan child of \(parent.label) (mode \(mode)) owns \(mac)",
            destinationMAC: mac,
            blocked: child.link.downReason
        )
    }

    // MARK: bridging

    private mutating func forward(_ bridge: PlacedLink, _ mac: MACAddress?, ingress: PlacedLink?) -> Step? {
        let name = bridge.link.name
        let namespace = bridge.namespace
        guard let mac else {
            markLastBlocked("the destination MAC is unknown, so the bridge's choice cannot be predicted")
            return nil
        }
        if let child = topology.macvlanChildren(of: bridge).first(where: { $0.link.mac == mac }) {
            guard ingress != nil else {
                // The parent's own stack transmits straight out of the parent; macvlan never hands those to children.
                var hop = macvlanChildHop(child, parent: bridge, mac: mac)
                hop.blocked =
                    "\(bridge.label)'s own stack cannot reach its macvlan children (by design); send through "
                    + "another interface and the outside network instead"
                hop.blockedByDesign = true
                hops.append(hop)
                return nil
            }
            hops.append(
                bridgeLocalHop(
                    bridge,
                    mac,
                    "\(mac) belongs to a macvlan child of \(name): the bridge passes it up to \(name)"
                )
            )
            hops.append(macvlanChildHop(child, parent: bridge, mac: mac))
            return .receive(child, mac)
        }
        let entry = namespace.fdbEntry(for: mac, bridge: bridge.link)
        if bridge.link.mac == mac || (entry?.state == .permanent && entry?.port.index == bridge.link.index) {
            hops.append(bridgeLocalHop(bridge, mac, "\(mac) is \(name)'s own address: up to the bridge's stack"))
            return .receive(PlacedLink(namespace: namespace, link: bridge.link), mac)
        }
        let ports = namespace.ports(of: bridge.link).map { PlacedLink(namespace: namespace, link: $0) }
        var out: PlacedLink?
        var reason = HopReason.bridgeFDB
        var detail: String
        var disagreement: PathFinding?
        if let entry, let port = namespace.link(index: entry.port.index) {
            out = PlacedLink(namespace: namespace, link: port)
            detail = "FDB: \(mac) is on \(port.name) (\(entry.state.rawValue))"
            // Intent first: the port the owner of `mac` is attached to is where the frame should go. An entry
            // naming another port is a finding at that port, not a reason to walk through the wrong container.
            let placedPort = PlacedLink(namespace: namespace, link: port)
            if !topology.leads(placedPort, to: mac),
                let intended = ports.first(where: {
                    $0.reference != placedPort.reference && topology.leads($0, to: mac)
                })
            {
                out = intended
                detail =
                    "\(mac) is attached behind \(intended.link.name); the FDB says \(port.name) "
                    + "(\(entry.state.rawValue))"
                disagreement = wrongPort(entry, port: port, intended: intended.link, bridge: bridge, mac: mac)
            }
        } else {
            reason = .bridgeFlood
            out = ports.first { $0.reference != ingress?.reference && topology.leads($0, to: mac) }
            if out == nil {
                // Nothing captured owns the MAC: it can only be beyond a physical uplink.
                out = ports.first {
                    $0.reference != ingress?.reference && ($0.link.kind == .physical || $0.link.kind == .vlan)
                }
            }
            detail = "\(mac) is not in \(name)'s FDB: flooded"
            if let out { detail += "; \(out.link.name) leads to it" }
        }
        hops.append(
            PathHop(
                node: bridge.node,
                interface: name,
                direction: .bridging,
                reason: reason,
                detail: detail,
                destinationMAC: mac,
                observable: false
            )
        )
        guard let out else {
            markLastBlocked("no port of \(bridge.label) leads to \(mac)")
            return nil
        }
        var blocked = out.link.downReason
        if out.reference == ingress?.reference, out.link.bridgePort?.hairpin != true {
            blocked =
                "\(mac) is behind \(out.link.name), the port the frame came in on; without hairpin the bridge drops it"
        } else if let state = out.link.bridgePort?.state, state != .forwarding {
            blocked = "bridge port \(out.label) is in STP state \(state.rawValue)"
        } else if reason == .bridgeFlood, out.link.bridgePort?.unicastFlood == false {
            blocked = "unknown-unicast flooding is off on \(out.label) and \(mac) is not in the FDB"
        } else if let ingress, ingress.link.bridgePort?.isolated == true, out.link.bridgePort?.isolated == true {
            blocked = "\(ingress.link.name) and \(out.link.name) are both isolated ports"
        }
        var portHop = PathHop(
            node: out.node,
            interface: out.link.name,
            direction: .forward,
            reason: reason,
            detail: "port of \(name)",
            destinationMAC: mac,
            blocked: blocked
        )
        if let disagreement { portHop.findings.append(disagreement) }
        hops.append(portHop)
        if blocked != nil { return nil }
        return .transmit(out, mac)
    }

    private func bridgeLocalHop(_ bridge: PlacedLink, _ mac: MACAddress, _ detail: String) -> PathHop {
        PathHop(
            node: bridge.node,
            interface: bridge.link.name,
            direction: .ingress,
            reason: .bridgeLocal,
            detail: detail,
            destinationMAC: mac,
            blocked: bridge.link.downReason
        )
    }

    // MARK: findings

    /// FDB_WRONG_PORT: `bridge` sends `mac` to `port` while its owner hangs off `intended`.
    private func wrongPort(
        _ entry: FDBEntry,
        port: Link,
        intended: Link,
        bridge: PlacedLink,
        mac: MACAddress
    ) -> PathFinding {
        let vlan = entry.vlan.map { " vlan \($0)" } ?? ""
        return PathFinding(
            code: "FDB_WRONG_PORT",
            summary: "\(bridge.label) sends \(mac) to \(port.name), but \(mac) is attached behind \(intended.name)",
            evidence: [
                "fdb \(mac) dev \(port.name) master \(bridge.link.name)\(vlan) \(entry.state.rawValue)",
                "\(port.name) does not lead to \(mac); \(intended.name) does",
            ],
            fix: HopCommand.spell("bridge", in: bridge.namespace, "fdb del \(mac) dev \(port.name) master\(vlan)")
        )
    }

    /// NO_ROUTE: `namespace` has no route covering `address`; the fix adds the connected route of `link`'s subnet
    /// when it holds one covering the address, else a host route.
    private func noRoute(
        in namespace: NamespaceSnapshot,
        dev link: Link,
        to address: IPv4Address,
        _ summary: String
    ) -> PathFinding {
        let subnet = namespace.addresses(onIndex: link.index).first { $0.network.contains(address) }?.network
        return PathFinding(
            code: "NO_ROUTE",
            summary: summary,
            evidence: ["no route in \(namespace.node.name)'s main table covers \(address)"],
            fix: HopCommand.spell(
                "ip",
                in: namespace,
                "route add \(subnet.map { "\($0)" } ?? "\(address)/32") dev \(link.name)"
            )
        )
    }

    /// ADDRESS_NOT_CONFIGURED: the frame reached the target's interface, which does not hold the address.
    private mutating func addressNotConfigured(at link: PlacedLink) {
        let held = link.namespace.addresses(onIndex: link.link.index).map { "\($0.address)/\($0.prefixLength)" }
        // The prefix the sender's subnet uses for the address, else a host route's.
        let prefix =
            topology.namespace(named: from.node)?.addresses.first { $0.network.contains(destination) }?.prefixLength
            ?? 32
        var evidence = [
            "\(link.label) holds \(held.isEmpty ? "no IPv4 address" : held.joined(separator: ", "))",
            "no interface of \(link.node) holds \(destination)",
        ]
        if let origin = to.addressOrigin { evidence.append("\(destination) from \(origin)") }
        let finding = PathFinding(
            code: "ADDRESS_NOT_CONFIGURED",
            summary: "\(link.label) does not hold \(destination), so nothing answers for it there",
            evidence: evidence,
            fix: HopCommand.spell("ip", in: link.namespace, "addr add \(destination)/\(prefix) dev \(link.link.name)")
        )
        if let index = hops.indices.last {
            hops[index].detail += "; \(link.label) should hold \(destination) and does not"
            hops[index].findings.append(finding)
        }
    }

    // MARK: blocking

    /// Ends the walk at a place where routing or sending fails before any frame leaves.
    private mutating func block(_ node: String, _ interface: String, _ reason: String) {
        hops.append(
            PathHop(
                node: node,
                interface: interface,
                direction: .egress,
                reason: hops.isEmpty ? .routeLookup : .routed,
                detail: "stops here",
                blocked: reason
            )
        )
    }

    private mutating func markLastBlocked(_ reason: String) {
        guard let index = hops.indices.last else { return }
        hops[index].blocked = reason
    }
}
