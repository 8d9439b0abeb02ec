package import Topology

/// How one interface an LXC config declares compares with what the kernel has.
package struct DeclaredInterfaceCheck: Sendable, Hashable {
    package var declaration: LXCNetworkDeclaration
    /// The interface in the container that matches the declaration (by MAC, else by name); nil when absent.
    package var interface: String?
    /// Differences a person should look at: absent, wrong kind, MAC, MTU, bridge or parent, mode, address, down.
    package var problems: [String]

    package init(declaration: LXCNetworkDeclaration, interface: String?, problems: [String]) {
        self.declaration = declaration
        self.interface = interface
        self.problems = problems
    }

    package var isAbsent: Bool { interface == nil }
}

extension LXCContainer {
    /// Compares every declared network interface with the container's namespace in `topology` (node `node`).
    ///
    /// LXC names an interface without `lxc.net.N.name` `ethN` by order, so that is the fallback name.
    package func checkDeclaredNetworks(in topology: HostTopology, node: String) -> [DeclaredInterfaceCheck] {
        let snapshot = topology.namespace(named: node)
        return declaredNetworks.filter { ["veth", "macvlan", "vlan", "phys"].contains($0.type ?? "") }.map { declared in
            let expectedName = declared.name ?? "eth\(declared.index)"
            guard let snapshot else {
                return DeclaredInterfaceCheck(
                    declaration: declared,
                    interface: nil,
                    problems: ["\(name) is not running, so \(expectedName) does not exist"]
                )
            }
            let link =
                snapshot.links.first { declared.mac != nil && $0.mac == declared.mac }
                ?? snapshot.link(named: expectedName)
            guard let link else {
                return DeclaredInterfaceCheck(
                    declaration: declared,
                    interface: nil,
                    problems: ["declared lxc.net.\(declared.index) (\(declared.type ?? "?") \(expectedName)) is absent"]
                )
            }
            return DeclaredInterfaceCheck(
                declaration: declared,
                interface: link.name,
                problems: differences(declared, link, snapshot: snapshot, topology: topology)
            )
        }
    }

    private func differences(
        _ declared: LXCNetworkDeclaration,
        _ link: Link,
        snapshot: NamespaceSnapshot,
        topology: HostTopology
    ) -> [String] {
        var problems: [String] = []
        let kinds: [String: LinkKind] = ["veth": .veth, "macvlan": .macvlan, "vlan": .vlan, "phys": .physical]
        if let type = declared.type, let kind = kinds[type], kind != link.kind {
            problems.append("\(link.name) is \(link.kind.rawValue), declared \(type)")
        }
        if let mac = declared.mac, link.mac != mac {
            problems.append("\(link.name) has MAC \(link.mac.map { "\($0)" } ?? "none"), declared \(mac)")
        }
        if let mtu = declared.mtu, link.mtu != mtu {
            problems.append("\(link.name) has MTU \(link.mtu), declared \(mtu)")
        }
        if declared.flags == "up", !link.isUp { problems.append("\(link.name) is down, declared up") }
        if let wanted = declared.link {
            // veth: the host end should be a port of the declared bridge; macvlan/vlan: the parent is the declared link.
            let actual: String?
            switch link.kind {
            case .veth:
                let peer = link.peer.flatMap { topology.link($0) }
                actual = peer?.master?.name
                if let pair = declared.vethPair, let peer, peer.name != pair {
                    problems.append("\(link.name)'s host end is \(peer.name), declared \(pair)")
                }
            case .macvlan, .vlan: actual = link.parent?.name
            default: actual = nil
            }
            if let actual, actual != wanted {
                problems.append("\(link.name) hangs off \(actual), declared \(wanted)")
            } else if actual == nil, link.kind == .veth || link.kind == .macvlan {
                problems.append("\(link.name) is not attached to \(wanted) (or its other end is not captured)")
            }
        }
        if let mode = declared.macvlanMode, let actual = link.macvlan?.mode, actual.rawValue != mode {
            problems.append("\(link.name) is macvlan mode \(actual.rawValue), declared \(mode)")
        }
        let held = Set(snapshot.addresses(onIndex: link.index).map { "\($0.address)/\($0.prefixLength)" })
        for network in declared.ipv4Networks where !held.contains("\(network.address)/\(network.prefixLength)") {
            problems.append("\(link.name) lacks declared address \(network.address)/\(network.prefixLength)")
        }
        return problems
    }
}
