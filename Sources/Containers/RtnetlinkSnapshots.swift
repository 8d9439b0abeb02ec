package import LinuxNet
package import Topology

/// Reads namespaces through rtnetlink (the Topology module's capture), for resolving endpoints on a live host.
package struct RtnetlinkSnapshots: NamespaceSnapshotSource {
    package init() {}

    package func snapshot(of namespace: NetworkNamespace, node: NetworkNode) throws -> NamespaceSnapshot {
        try NamespaceSnapshot.capture(TopologyTarget(name: node.name, kind: node.kind, namespace: namespace))
    }
}

extension EndpointResolver {
    /// Every namespace known here as capture targets: host first, then running containers, registered endpoints
    /// and named namespaces. The capture keeps the first name of a namespace known under several.
    package func topologyTargets() -> [TopologyTarget] {
        searchTargets().map { TopologyTarget(name: $0.node.name, kind: $0.node.kind, namespace: $0.namespace) }
    }
}

/// Answers snapshot requests from a topology already captured, matching namespaces by inode, and captures
/// live only a namespace the topology lacks. Saves a second rtnetlink round per endpoint.
package struct CapturedSnapshots: NamespaceSnapshotSource {
    package let topology: HostTopology
    /// The position of the first snapshot of each namespace inode: `endpoints` asks once per endpoint, and a
    /// host can have a thousand.
    private let positionByInode: [UInt64: Int]

    package init(topology: HostTopology) {
        self.topology = topology
        var positions: [UInt64: Int] = [:]
        for (position, snapshot) in topology.namespaces.enumerated() {
            if let inode = snapshot.node.namespaceInode, positions[inode] == nil { positions[inode] = position }
        }
        positionByInode = positions
    }

    package func snapshot(of namespace: NetworkNamespace, node: NetworkNode) throws -> NamespaceSnapshot {
        let inode = try namespace.identity().inode
        if let position = positionByInode[inode] {
            var snapshot = topology.namespaces[position]
            snapshot.node = node
            return snapshot
        }
        return try RtnetlinkSnapshots().snapshot(of: namespace, node: node)
    }
}
