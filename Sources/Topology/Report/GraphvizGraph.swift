internal import Foundation

extension HostTopology {
    /// The wiring as a Graphviz graph: one cluster per namespace, interfaces as boxes, bridge membership,
    /// veth pairs (dashed) and macvlan/vlan parents (dotted) as edges; interfaces with warnings in red.
    package func dotGraph() -> String {
        let warnings = Dictionary(grouping: self.warnings(), by: \.interface)
        var lines = [
            "graph topology {",
            "  graph [rankdir=LR, fontname=\"Helvetica\", fontsize=11, nodesep=0.25];",
            "  node [shape=box, style=\"rounded,filled\", fillcolor=white, fontname=\"Helvetica\", fontsize=10];",
            "  edge [fontname=\"Helvetica\", fontsize=9];",
        ]
        var edges: [String] = []
        let order = Dictionary(
            namespaces.enumerated().map { ($1.node.name, $0) },
            uniquingKeysWith: { first, _ in first }
        )
        for (position, snapshot) in namespaces.enumerated() {
            lines.append("  subgraph \"cluster_\(position)\" {")
            lines.append("    label=\(quoted("\(snapshot.node.name) (\(snapshot.node.kind.rawValue))"));")
            lines.append("    style=rounded; color=gray50;")
            for link in snapshot.links where link.kind != .loopback {
                let reference = snapshot.reference(link)
                var label = [link.name, [link.detail, link.stateWord].filter { !$0.isEmpty }.joined(separator: ", ")]
                label.append("mtu \(link.mtu)")
                label += snapshot.addresses(onIndex: link.index).map { "\($0.address)/\($0.prefixLength)" }
                if let mac = link.mac { label.append("\(mac)") }
                let notes = warnings[reference] ?? []
                label += notes.map { "! \($0.code)" }
                let fill = notes.isEmpty ? (link.kind == .bridge ? "#dde8f7" : "white") : "#f8d0d0"
                lines.append(
                    "    \(nodeID(reference)) [label=\(quoted(label.joined(separator: "\n"))), fillcolor=\"\(fill)\"];"
                )
                edges += self.edges(from: link, reference: reference, order: order)
            }
            lines.append("  }")
        }
        lines += edges
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Edges run from the host outwards (bridge, port, peer; parent, child) so `dot` ranks them left to right.
    private func edges(from link: Link, reference: LinkReference, order: [String: Int]) -> [String] {
        var edges: [String] = []
        if let master = link.master {
            let state = link.bridgePort?.state ?? .unknown
            let color = state == .forwarding ? "black" : "red"
            edges.append("  \(nodeID(master)) -- \(nodeID(reference)) [label=\"\(state.rawValue)\", color=\(color)];")
        }
        // Each veth pair once: from the end whose namespace comes first.
        if let peer = link.peer,
            (order[reference.node] ?? 0, reference.index) < (order[peer.node] ?? 0, peer.index)
        {
            edges.append("  \(nodeID(reference)) -- \(nodeID(peer)) [style=dashed, label=\"veth\"];")
        }
        if let parent = link.parent {
            let mode =
                link.macvlan.map { "macvlan \($0.mode.rawValue)" } ?? link.ipvlan.map { "ipvlan \($0.text)" }
                ?? link.vlan.map { "vlan \($0.id)" } ?? ""
            edges.append("  \(nodeID(parent)) -- \(nodeID(reference)) [style=dotted, label=\(quoted(mode))];")
        }
        return edges
    }

    private func nodeID(_ reference: LinkReference) -> String {
        quoted("\(reference.node)/\(reference.index)")
    }

    private func quoted(_ text: String) -> String {
        "\""
            + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n") + "\""
    }
}
