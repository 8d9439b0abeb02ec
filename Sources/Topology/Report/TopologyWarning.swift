/// Something in the wiring that is likely to drop or divert frames, attached to one interface.
package struct TopologyWarning: Codable, Sendable, Hashable, CustomStringConvertible {
    /// A stable machine-readable name: `port-not-forwarding`, `link-down`, `no-carrier`, `mtu-mismatch`,
    /// `flooding-off`, `learning-off`, `peer-unknown`, `parent-unknown`.
    package var code: String
    package var interface: LinkReference
    /// One line for a person: what is wrong and what it does to frames.
    package var message: String

    package init(code: String, interface: LinkReference, message: String) {
        self.code = code
        self.interface = interface
        self.message = message
    }

    package var description: String { "\(interface): \(message)" }
}

extension HostTopology {
    /// The warnings for every captured interface, in namespace and index order.
    package func warnings() -> [TopologyWarning] {
        var warnings: [TopologyWarning] = []
        for snapshot in namespaces {
            for link in snapshot.links where link.kind != .loopback {
                warnings += self.warnings(for: link, in: snapshot)
            }
        }
        return warnings
    }

    /// The warnings for one interface of `snapshot`.
    package func warnings(for link: Link, in snapshot: NamespaceSnapshot) -> [TopologyWarning] {
        let reference = LinkReference(node: snapshot.node.name, index: link.index, name: link.name)
        var warnings: [TopologyWarning] = []
        func warn(_ code: String, _ message: String) {
            warnings.append(TopologyWarning(code: code, interface: reference, message: message))
        }
        // A spare tap or an unused ifb being down harms nothing; a NIC, bridge, veth, macvlan or port does.
        let carriesFrames = link.kind != .tun && link.kind != .other || link.bridgePort != nil || link.isUplink
        if carriesFrames, let (code, message) = link.stateProblem { warn(code, message) }
        if let port = link.bridgePort, let bridgeReference = link.master, let bridge = self.link(bridgeReference) {
            if port.state != .forwarding {
                warn(
                    "port-not-forwarding",
                    "bridge port is \(port.state.rawValue), not forwarding: \(bridge.name) drops frames to and from it"
                )
            }
            var floodsOff: [String] = []
            if port.unicastFlood == false { floodsOff.append("unknown unicast") }
            if port.broadcastFlood == false { floodsOff.append("broadcast (ARP requests)") }
            if port.multicastFlood == false { floodsOff.append("multicast") }
            if !floodsOff.isEmpty {
                warn(
                    "flooding-off",
                    "flooding off for \(floodsOff.joined(separator: ", ")): such frames never reach it"
                )
            }
            if port.learning == false {
                warn("learning-off", "learning off: \(bridge.name) floods frames for MACs behind this port")
            }
            if link.mtu != bridge.mtu {
                warn("mtu-mismatch", "MTU \(link.mtu) differs from bridge \(bridge.name)'s \(bridge.mtu)")
            }
        }
        if link.kind == .veth, link.peer == nil {
            let where_ = link.linkNetnsID.map { "namespace id \($0)" } ?? "this namespace"
            warn("peer-unknown", "veth peer (index \(link.linkIndex ?? 0) in \(where_)) is in no captured namespace")
        }
        if let peerReference = link.peer, let peer = self.link(peerReference), peer.mtu != link.mtu,
            link.kind == .veth
        {
            warn("mtu-mismatch", "MTU \(link.mtu) differs from its veth peer \(peerReference)'s \(peer.mtu)")
        }
        if link.kind == .macvlan || link.kind == .ipvlan || link.kind == .vlan, link.parent == nil {
            warn("parent-unknown", "\(link.kind.rawValue) parent (index \(link.linkIndex ?? 0)) was not found")
        }
        return warnings
    }
}

extension Link {
    /// Why the link cannot pass frames right now, if it cannot: down, or up without carrier.
    var stateProblem: (code: String, message: String)? {
        if !isUp { return ("link-down", "link is administratively down (ip link set \(name) up)") }
        if carrier == false || operState == .lowerLayerDown {
            return ("no-carrier", "link is up but has no carrier (its peer or parent is down)")
        }
        if operState == .down { return ("link-down", "operational state is down") }
        return nil
    }
}
