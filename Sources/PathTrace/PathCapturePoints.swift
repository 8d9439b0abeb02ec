package import ExpectedPath
import LinuxNet
package import NetworkModel
package import Topology
package import Trace

/// Turns an expected path into the capture points of a trace: one per hop a capture can see, in path order,
/// and every other port of each bridge the path crosses as a side point, where flooded or misdelivered frames
/// show up. Pure: reads only the path and the topology it was computed from.
package enum PathCapturePoints {
    /// The plan for tracing `path` from `source` to `target`: both ends and `points(for:in:source:target:)`.
    package static func plan(
        for path: ExpectedPath,
        in topology: HostTopology,
        source: ResolvedEndpoint,
        target: ResolvedEndpoint,
        options: TraceOptions
    ) -> TracePlan {
        TracePlan(
            source: source,
            target: target,
            hops: points(for: path, in: topology, source: source, target: target),
            options: options
        )
    }

    /// The capture points for tracing `path` from `source` to `target`.
    ///
    /// Hops in the unseen outside network are left out; a hop listed twice (a bridge that forwards and also
    /// delivers locally) is one point. Hops after a blocked one are kept: the trace measures what the walk only
    /// predicts. The target's interface ends the path even when the walk stopped before it.
    package static func points(
        for path: ExpectedPath,
        in topology: HostTopology,
        source: ResolvedEndpoint,
        target: ResolvedEndpoint
    ) -> [CapturePoint] {
        let hops = path.hops.filter { $0.node != "outside" }
        var points: [CapturePoint] = []
        var bridgesCrossed: [(node: String, bridge: String)] = []
        for (index, hop) in hops.enumerated() {
            let next = index + 1 < hops.count ? hops[index + 1] : nil
            let previous = index > 0 ? hops[index - 1] : nil
            let role = role(
                of: hop,
                previous: previous,
                next: next,
                target: (path.to.node, target.interface),
                in: topology
            )
            if isBridgeDevice(hop, in: topology), !bridgesCrossed.contains(where: { $0 == (hop.node, hop.interface) }) {
                bridgesCrossed.append((hop.node, hop.interface))
            }
            // A VLAN-filtering bridge's own device sees only the VLANs it is a member of itself (`self`), so
            // frames it floods in other VLANs never show there: its ports on either side tell instead.
            if role == .bridge,
                topology.namespace(named: hop.node)?.link(named: hop.interface)?.bridge?.vlanFiltering == true
            {
                continue
            }
            if let existing = points.firstIndex(where: { $0.node == hop.node && $0.interface == hop.interface }) {
                // A bridge both forwards and delivers locally: the observable role says more.
                if points[existing].role == .bridge { points[existing].role = role }
                continue
            }
            guard let namespace = namespace(of: hop.node, in: topology, source: source, target: target) else {
                continue
            }
            points.append(CapturePoint(node: hop.node, namespace: namespace, interface: hop.interface, role: role))
        }
        let targetNode = path.to.node
        if !points.contains(where: { $0.node == targetNode && $0.interface == target.interface }) {
            let role: HopRole = targetNode == "host" ? .endpoint : .container
            points.append(
                CapturePoint(node: targetNode, namespace: target.namespace, interface: target.interface, role: role)
            )
        }
        for (node, bridgeName) in bridgesCrossed {
            guard let snapshot = topology.namespace(named: node), let bridge = snapshot.link(named: bridgeName),
                let namespace = namespace(of: node, in: topology, source: source, target: target)
            else { continue }
            for port in snapshot.ports(of: bridge)
            where !points.contains(where: { $0.node == node && $0.interface == port.name }) {
                let role: HopRole = port.kind == .veth && leadsToOtherNode(port, in: topology) ? .veth : .bridgePort
                points.append(
                    CapturePoint(
                        node: node,
                        namespace: namespace,
                        interface: port.name,
                        role: role,
                        isSide: true,
                        bridge: "\(node):\(bridgeName)"
                    )
                )
            }
        }
        return points
    }

    /// What the capture point of `hop` is, from the hop's direction and reason and the link's kind.
    static func role(
        of hop: PathHop,
        previous: PathHop?,
        next: PathHop?,
        target: (node: String, interface: String),
        in topology: HostTopology
    ) -> HopRole {
        let link = topology.namespace(named: hop.node)?.link(named: hop.interface)
        if hop.node == target.node, hop.interface == target.interface {
            // A container hangs off a bridge in another namespace, by veth or as a macvlan or ipvlan child.
            let fromBridge = previous.map { $0.direction == .forward && $0.node != hop.node } ?? false
            let child = hop.reason == .macvlanChild || hop.reason == .ipvlanChild
            return child || hop.reason == .vethPeer && fromBridge ? .container : .endpoint
        }
        if hop.reason == .routeLookup { return .endpoint }
        if next?.reason == .macvlanChild, hop.observable { return .macvlanParent }
        if hop.reason == .macvlanParent { return hop.observable ? .macvlanParent : .bridge }
        if !hop.observable || link?.kind == .bridge || hop.direction == .bridging { return .bridge }
        switch hop.direction {
        case .forward:
            // The host end of the target's veth pair (also when the walk stopped here, at a blocked port).
            if link?.kind == .veth, link?.peer?.node == target.node, link?.peer?.name == target.interface {
                return .veth
            }
            return .bridgePort
        case .ingress:
            guard link?.master != nil else { return .bridgePort }
            // Straight from the source's own interface: the host end of the source container's veth.
            if let previous, previous.reason == .routeLookup, previous.node != hop.node, link?.kind == .veth {
                return .veth
            }
            return hop.reason == .fromOutside || hop.node == "host" ? .uplink : .bridgePort
        case .egress, .bridging:
            return .bridgePort
        }
    }

    /// Whether `hop` is a bridge device (the bridge the frame crosses, whether it forwards or delivers locally).
    private static func isBridgeDevice(_ hop: PathHop, in topology: HostTopology) -> Bool {
        if hop.direction == .bridging { return true }
        return topology.namespace(named: hop.node)?.link(named: hop.interface)?.kind == .bridge
    }

    /// Whether a veth port's other end is an end host's interface in another namespace (a container's eth0),
    /// not another switch's port.
    private static func leadsToOtherNode(_ port: Link, in topology: HostTopology) -> Bool {
        guard let peer = port.peer, peer.node != port.master?.node, let peerLink = topology.link(peer) else {
            return false
        }
        return peerLink.master == nil
    }

    /// The namespace a node's captures open in: the endpoint's own when the node is an endpoint (so the trace
    /// engine recognises the source's interface), else the one the topology captured it from.
    static func namespace(
        of node: String,
        in topology: HostTopology,
        source: ResolvedEndpoint,
        target: ResolvedEndpoint
    ) -> NetworkNamespace? {
        if let snapshot = topology.namespace(named: node) {
            let namespace = NetworkNamespace(filePath: snapshot.node.namespacePath)
            for end in [source, target] where end.namespace.filePath == namespace.filePath { return end.namespace }
            return namespace
        }
        for end in [source, target] where end.node == node { return end.namespace }
        return nil
    }
}

extension NetworkNamespace {
    /// The namespace a file names: `/run/netns/NAME` is `.named`, `/proc/PID/ns/net` is `.pid`, nil the current.
    init(filePath: String?) {
        guard let filePath else {
            self = .current
            return
        }
        let netnsPrefix = "/run/netns/"
        if filePath.hasPrefix(netnsPrefix), !filePath.dropFirst(netnsPrefix.count).contains("/") {
            self = .named(String(filePath.dropFirst(netnsPrefix.count)))
            return
        }
        let parts = filePath.split(separator: "/")
        if parts.count == 4, parts[0] == "proc", parts[2] == "ns", parts[3] == "net", let pid = Int32(parts[1]) {
            self = .pid(pid)
            return
        }
        self = .path(filePath)
    }
}
