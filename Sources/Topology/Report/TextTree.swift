/// One line of the `topo` text tree with its inline warnings and children.
struct TreeNode {
    var text: String
    var notes: [String] = []
    var children: [TreeNode] = []

    /// The node and its subtree as lines, drawn with box characters under `prefix`.
    func lines(prefix: String = "", childPrefix: String = "") -> [String] {
        var lines = [prefix + text]
        let noteIndent = childPrefix + (children.isEmpty ? "   " : "│  ")
        lines += notes.map { noteIndent + "! " + $0 }
        for (position, child) in children.enumerated() {
            let last = position == children.count - 1
            lines += child.lines(
                prefix: childPrefix + (last ? "└─ " : "├─ "),
                childPrefix: childPrefix + (last ? "   " : "│  ")
            )
        }
        return lines
    }
}

extension HostTopology {
    /// The wiring as a tree: each namespace, its uplinks, bridges, ports and the peers behind them inside
    /// containers (node, interface, address, MAC), with warnings inline.
    ///
    /// The first namespace (the host) comes first, then other namespaces with bridges of their own, then any
    /// namespace nothing before led to.
    package func textTree() -> String {
        var renderer = TreeRenderer(topology: self)
        var lines: [String] = []
        let withBridges = namespaces.dropFirst().filter { snapshot in snapshot.links.contains { $0.kind == .bridge } }
        for snapshot in namespaces.prefix(1) + withBridges {
            lines += renderer.namespaceTree(snapshot).lines()
        }
        for snapshot in namespaces where !renderer.reachedNodes.contains(snapshot.node.name) {
            lines += renderer.namespaceTree(snapshot).lines()
        }
        if !problems.isEmpty {
            lines.append("problems:")
            lines += problems.map { "  " + $0 }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// Builds the tree for `textTree`, remembering which namespaces a branch already reached.
private struct TreeRenderer {
    let topology: HostTopology
    let warnings: [LinkReference: [TopologyWarning]]
    /// Macvlan and vlan children by parent, from every namespace.
    let children: [LinkReference: [LinkReference]]
    /// The snapshot of each node name (the first, as `HostTopology.namespace(named:)`): a bridge with a
    /// thousand ports leads into a thousand namespaces, each found without a scan.
    let snapshotByName: [String: NamespaceSnapshot]
    /// Per node, how many learned (non-permanent) forwarding entries each port index has.
    let learnedEntries: [String: [Int32: Int]]
    private(set) var reachedNodes: Set<String> = []
    /// The interfaces already drawn in the current namespace's tree.
    private var shown: Set<LinkReference> = []

    init(topology: HostTopology) {
        self.topology = topology
        warnings = Dictionary(grouping: topology.warnings(), by: \.interface)
        var children: [LinkReference: [LinkReference]] = [:]
        for snapshot in topology.namespaces {
            for link in snapshot.links {
                if let parent = link.parent {
                    children[parent, default: []].append(snapshot.reference(link))
                }
            }
        }
        self.children = children
        snapshotByName = Dictionary(
            topology.namespaces.map { ($0.node.name, $0) },
            uniquingKeysWith: { first, _ in first }
        )
        var learnedEntries: [String: [Int32: Int]] = [:]
        for snapshot in topology.namespaces where learnedEntries[snapshot.node.name] == nil {
            var counts: [Int32: Int] = [:]
            for entry in snapshot.fdb where entry.state != .permanent { counts[entry.port.index, default: 0] += 1 }
            learnedEntries[snapshot.node.name] = counts
        }
        self.learnedEntries = learnedEntries
    }

    /// The tree of one namespace: NICs (with their VLANs and the bridges those are ports of), then bridges no
    /// NIC leads to, then every interface not drawn yet.
    mutating func namespaceTree(_ snapshot: NamespaceSnapshot) -> TreeNode {
        reachedNodes.insert(snapshot.node.name)
        shown = []
        let also = snapshot.node.aliases.map { ", also \($0.joined(separator: ", "))" } ?? ""
        var root = TreeNode(text: "\(snapshot.node.name)  (\(snapshot.node.kind.rawValue)\(also))")
        let links = snapshot.links.filter { $0.kind != .loopback }
        // A child whose parent is in this namespace is drawn under its parent, wherever that is drawn.
        func hasLocalParent(_ link: Link) -> Bool { link.parent?.node == snapshot.node.name }
        for link in links where link.isUplink && !hasLocalParent(link) && !shown.contains(snapshot.reference(link)) {
            if link.master != nil && !link.isPhysicalUplink { continue }
            root.children.append(portNode(link, in: snapshot, label: "uplink"))
        }
        for bridge in links where bridge.kind == .bridge && !shown.contains(snapshot.reference(bridge)) {
            root.children.append(bridgeNode(bridge, in: snapshot))
        }
        for link in links where !shown.contains(snapshot.reference(link)) && !hasLocalParent(link) {
            root.children.append(portNode(link, in: snapshot, label: link.kind.rawValue))
        }
        return root
    }

    /// A bridge with its ports (uplinks first) and its macvlan children.
    private mutating func bridgeNode(_ bridge: Link, in snapshot: NamespaceSnapshot) -> TreeNode {
        shown.insert(snapshot.reference(bridge))
        var branch = node(for: bridge, in: snapshot, label: "bridge")
        let ports = snapshot.ports(of: bridge).sorted {
            ($0.isUplink ? 0 : 1, $0.index) < ($1.isUplink ? 0 : 1, $1.index)
        }
        for port in ports where !shown.contains(snapshot.reference(port)) {
            branch.children.append(portNode(port, in: snapshot))
        }
        branch.children += childNodes(of: bridge, in: snapshot)
        return branch
    }

    /// An interface with the peer it leads to, its macvlan/vlan children, and, for a NIC or VLAN enslaved to a
    /// bridge not drawn yet, that bridge: em1 -> em1.211 -> br0 -> ports.
    private mutating func portNode(_ link: Link, in snapshot: NamespaceSnapshot, label: String? = nil) -> TreeNode {
        shown.insert(snapshot.reference(link))
        var branch = node(for: link, in: snapshot, label: label ?? (link.isUplink ? "uplink" : "port"))
        if let peerReference = link.peer, !shown.contains(peerReference),
            let peerSnapshot = snapshotByName[peerReference.node],
            let peer = peerSnapshot.link(index: peerReference.index)
        {
            reachedNodes.insert(peerReference.node)
            shown.insert(peerReference)
            var peerNode = node(for: peer, in: peerSnapshot, label: "→ \(peerReference.node)")
            if peerReference.node == snapshot.node.name { peerNode.children += childNodes(of: peer, in: peerSnapshot) }
            branch.children.append(peerNode)
        }
        branch.children += childNodes(of: link, in: snapshot)
        branch.children += enslavingBridge(of: link, in: snapshot)
        return branch
    }

    /// The bridge a NIC or VLAN is a port of, as a subtree, when it has not been drawn yet.
    private mutating func enslavingBridge(of link: Link, in snapshot: NamespaceSnapshot) -> [TreeNode] {
        guard link.isPhysicalUplink, let master = link.master, master.node == snapshot.node.name,
            !shown.contains(master), let bridge = snapshot.link(index: master.index), bridge.kind == .bridge
        else { return [] }
        return [bridgeNode(bridge, in: snapshot)]
    }

    /// The macvlan and vlan children of `link`, wherever they live: `↳` in the same namespace, `→ NODE` in
    /// another.
    private mutating func childNodes(of link: Link, in snapshot: NamespaceSnapshot) -> [TreeNode] {
        var nodes: [TreeNode] = []
        for reference in children[snapshot.reference(link)] ?? [] where !shown.contains(reference) {
            guard let childSnapshot = snapshotByName[reference.node],
                let child = childSnapshot.link(index: reference.index)
            else { continue }
            reachedNodes.insert(reference.node)
            shown.insert(reference)
            let label = reference.node == snapshot.node.name ? "↳" : "→ \(reference.node)"
            var childNode = node(for: child, in: childSnapshot, label: label)
            childNode.children += childNodes(of: child, in: childSnapshot)
            if reference.node == snapshot.node.name { childNode.children += enslavingBridge(of: child, in: snapshot) }
            nodes.append(childNode)
        }
        return nodes
    }

    private func node(for link: Link, in snapshot: NamespaceSnapshot, label: String) -> TreeNode {
        var fields = [label, link.name]
        fields.append(link.detail)
        if let port = link.bridgePort { fields.append(port.state.rawValue) }
        fields.append(link.stateWord)
        fields.append("mtu \(link.mtu)")
        let addresses = snapshot.addresses(onIndex: link.index).map { "\($0.address)/\($0.prefixLength)" }
        if !addresses.isEmpty { fields.append(addresses.joined(separator: ",")) }
        if let mac = link.mac { fields.append("\(mac)") }
        if link.bridgePort != nil {
            let learned = learnedEntries[snapshot.node.name]?[link.index] ?? 0
            if learned > 0 { fields.append("fdb \(learned)") }
        }
        let notes = (warnings[snapshot.reference(link)] ?? []).map(\.message)
        return TreeNode(text: fields.filter { !$0.isEmpty }.joined(separator: "  "), notes: notes)
    }
}

extension Link {
    /// NICs, VLANs, bonds and tunnels: what connects a host to the outside rather than to a container.
    var isUplink: Bool { isPhysicalUplink || kind == .vxlan }

    /// A NIC, a VLAN on one, or a bond: what a bridge is drawn under when it is the bridge's port.
    var isPhysicalUplink: Bool {
        kind == .physical || kind == .vlan || otherKind == "bond" || otherKind == "team"
    }

    /// Up, down or no carrier, in one word.
    var stateWord: String {
        if !isUp { return "down" }
        if carrier == false { return "no-carrier" }
        return operState == .up || operState == .unknown ? "up" : operState.rawValue
    }

    /// What kind of interface it is, with the settings that matter for frames.
    var detail: String {
        switch kind {
        case .bridge:
            return bridge.map { "stp \($0.stpState.rawValue)" } ?? ""
        case .macvlan:
            return "macvlan \(macvlan?.mode.rawValue ?? "?")"
        case .ipvlan:
            return "ipvlan \(ipvlan?.text ?? "?")\(parent.map { " on \($0.name)" } ?? "")"
        case .vlan:
            let id = vlan.map { "\($0.id)" } ?? "?"
            let proto = vlan?.tagProtocol == 0x88A8 ? " 802.1ad" : ""
            return "vlan \(id)\(proto)\(parent.map { " on \($0.name)" } ?? "")"
        case .vxlan:
            return "vxlan \(vxlan.map { "vni \($0.vni)" } ?? "")"
        case .tun:
            return tun?.isTap == true ? "tap" : "tun"
        case .other:
            return otherKind ?? "other"
        default:
            return kind.rawValue
        }
    }
}
