import ExpectedPath
import LinuxNet
import NetworkModel
import PacketCodec
import PathTrace
import Testing
import Topology
import Trace

/// A lab-shaped topology built by hand: ext (client eth0, switch sw0 with sw-cli, sw-em1, sw-em2), host (em1 and
/// veth-ct1, veth-ct2 on br0, em2, a macvlan child of br0 in ct3), ct1, ct2 and ct3. A veth side port whose
/// other end is an end host (em2, a container) is a `veth`, one that leads to another switch a `bridge-port`.
private let topology: HostTopology = {
    func link(_ node: String, _ index: Int32, _ name: String, _ kind: LinkKind, master: Int32? = nil) -> Link {
        var link = Link(index: index, name: name, kind: kind, mtu: 1500)
        link.master = master.map { LinkReference(node: node, index: $0, name: node == "ext" ? "sw0" : "br0") }
        return link
    }
    func peer(_ link: Link, _ node: String, _ index: Int32, _ name: String) -> Link {
        var link = link
        link.peer = LinkReference(node: node, index: index, name: name)
        return link
    }
    let ext = NamespaceSnapshot(
        node: NetworkNode(name: "ext", kind: .netns, namespacePath: "/run/netns/lab-ext"),
        links: [
            peer(link("ext", 2, "eth0", .veth), "ext", 3, "sw-cli"),
            peer(link("ext", 3, "sw-cli", .veth, master: 5), "ext", 2, "eth0"),
            peer(link("ext", 4, "sw-em1", .veth, master: 5), "host", 2, "em1"),
            link("ext", 5, "sw0", .bridge),
            peer(link("ext", 6, "sw-em2", .veth, master: 5), "host", 6, "em2"),
        ]
    )
    let host = NamespaceSnapshot(
        node: NetworkNode(name: "host", kind: .host, namespacePath: "/run/netns/lab-host"),
        links: [
            peer(link("host", 2, "em1", .veth, master: 3), "ext", 4, "sw-em1"),
            link("host", 3, "br0", .bridge),
            peer(link("host", 4, "veth-ct1", .veth, master: 3), "ct1", 2, "eth0"),
            peer(link("host", 5, "veth-ct2", .veth, master: 3), "ct2", 2, "eth0"),
            peer(link("host", 6, "em2", .veth), "ext", 6, "sw-em2"),
        ]
    )
    let ct1 = NamespaceSnapshot(
        node: NetworkNode(name: "ct1", kind: .lxc, namespacePath: "/proc/4242/ns/net"),
        links: [peer(link("ct1", 2, "eth0", .veth), "host", 4, "veth-ct1")]
    )
    let ct2 = NamespaceSnapshot(
        node: NetworkNode(name: "ct2", kind: .lxc, namespacePath: "/proc/4343/ns/net"),
        links: [peer(link("ct2", 2, "eth0", .veth), "host", 5, "veth-ct2")]
    )
    let ct3 = NamespaceSnapshot(
        node: NetworkNode(name: "ct3", kind: .lxc, namespacePath: "/proc/4444/ns/net"),
        links: [link("ct3", 2, "eth0", .macvlan)]
    )
    return HostTopology(namespaces: [host, ext, ct1, ct2, ct3])
}()

private func endpoint(
    _ name: String,
    _ namespace: NetworkNamespace,
    _ interface: String,
    _ last: UInt8
)
    -> ResolvedEndpoint
{
    ResolvedEndpoint(
        endpoint: name,
        node: name,
        namespace: namespace,
        interface: interface,
        ip: IPv4Address(192, 0, 2, last),
        mac: nil
    )
}

private let ext = endpoint("ext", .named("lab-ext"), "eth0", 1)
private let ct1 = endpoint("ct1", .pid(4242), "eth0", 11)
private let ct3 = endpoint("ct3", .pid(4444), "eth0", 13)

private func path(_ from: ResolvedEndpoint, _ to: ResolvedEndpoint, _ hops: [PathHop]) -> ExpectedPath {
    func end(_ e: ResolvedEndpoint) -> PathEndpoint {
        PathEndpoint(endpoint: e.endpoint, node: e.node, interface: e.interface, ip: e.ip)
    }
    return ExpectedPath(
        from: end(from),
        to: end(to),
        hops: hops,
        reachable: !hops.contains { $0.blocked != nil },
        notes: []
    )
}

private func hop(
    _ node: String,
    _ interface: String,
    _ direction: HopDirection,
    _ reason: HopReason,
    observable: Bool = true,
    blocked: String? = nil,
    byDesign: Bool = false
) -> PathHop {
    PathHop(
        node: node,
        interface: interface,
        direction: direction,
        reason: reason,
        detail: "",
        blocked: blocked,
        blockedByDesign: byDesign,
        observable: observable
    )
}

/// ext's way across its switch sw0 to the host, as the walk gives it on the lab.
private let extToSwitchUplink = [
    hop("ext", "eth0", .egress, .routeLookup),
    hop("ext", "sw-cli", .ingress, .vethPeer),
    hop("ext", "sw0", .bridging, .bridgeFDB, observable: false),
    hop("ext", "sw-em1", .forward, .bridgeFDB),
]

/// ext -> ct1 as the walk gives it on the lab.
private let extToCt1 = path(
    ext,
    ct1,
    extToSwitchUplink + [
        hop("host", "em1", .ingress, .vethPeer),
        hop("host", "br0", .bridging, .bridgeFDB, observable: false),
        hop("host", "veth-ct1", .forward, .bridgeFDB),
        hop("ct1", "eth0", .ingress, .vethPeer),
    ]
)

private func summary(_ points: [CapturePoint]) -> [String] {
    points.map { "\($0.isSide ? "side " : "")\($0.label)=\($0.role.rawValue)" }
}

@Suite("expected path to capture points")
struct PathCapturePointsTests {
    @Test("a veth container behind two bridges: every hop in order, the bridges' other ports as side points")
    func vethPath() {
        let points = PathCapturePoints.points(for: extToCt1, in: topology, source: ext, target: ct1)
        #expect(
            summary(points) == [
                "ext:eth0=endpoint", "ext:sw-cli=bridge-port", "ext:sw0=bridge", "ext:sw-em1=bridge-port",
                "host:em1=uplink", "host:br0=bridge", "host:veth-ct1=veth", "ct1:eth0=container",
                "side ext:sw-em2=veth", "side host:veth-ct2=veth",
            ]
        )
        // Captures open where the endpoint resolved (pid for a container), else where the topology read the node.
        #expect(points.first?.namespace == .named("lab-ext"))
        #expect(points.first { $0.label == "host:br0" }?.namespace == .named("lab-host"))
        #expect(points.first { $0.label == "ct1:eth0" }?.namespace == .pid(4242))
        // The trace engine takes the first point as the source's own interface, so it adds no second one.
        let plan = PathCapturePoints.plan(
            for: extToCt1,
            in: topology,
            source: ext,
            target: ct1,
            options: TraceOptions()
        )
        #expect(plan.hops == points)
        #expect(plan.pathHops.count == 8)
    }

    @Test("a macvlan child of the bridge: the bridge device delivers locally and is the child's parent")
    func macvlanPath() {
        let walk = path(
            ext,
            ct3,
            extToSwitchUplink + [
                hop("outside", "-", .forward, .outside, observable: false),
                hop("host", "em1", .ingress, .fromOutside),
                hop("host", "br0", .bridging, .bridgeLocal, observable: false),
                hop("host", "br0", .ingress, .bridgeLocal),
                hop("ct3", "eth0", .ingress, .macvlanChild),
            ]
        )
        let points = PathCapturePoints.points(for: walk, in: topology, source: ext, target: ct3)
        #expect(
            summary(points) == [
                "ext:eth0=endpoint", "ext:sw-cli=bridge-port", "ext:sw0=bridge", "ext:sw-em1=bridge-port",
                "host:em1=uplink", "host:br0=macvlan-parent", "ct3:eth0=container", "side ext:sw-em2=veth",
                "side host:veth-ct1=veth", "side host:veth-ct2=veth",
            ]
        )
    }

    @Test("a walk that stops at a blocked port still ends at the target, so the trace sees what really happens")
    func blockedWalkKeepsTarget() {
        var hops = Array(extToCt1.hops.prefix(7))
        hops[6].blocked = "veth-ct1 is disabled"
        let walk = path(ext, ct1, hops)
        let points = PathCapturePoints.points(for: walk, in: topology, source: ext, target: ct1)
        #expect(points.filter { !$0.isSide }.suffix(2).map(\.role) == [.veth, .container])
        #expect(points.filter { !$0.isSide }.last?.label == "ct1:eth0")
        #expect(points.filter { !$0.isSide }.last?.namespace == .pid(4242))
        #expect(points.filter(\.isSide).map(\.label) == ["ext:sw-em2", "host:veth-ct2"])
        // Each side point names its bridge, so the trace can count a bridge's quiet ports in one line.
        #expect(points.filter(\.isSide).map(\.bridge) == ["ext:sw0", "host:br0"])
        #expect(points.filter { !$0.isSide }.allSatisfy { $0.bridge == nil })
    }

    @Test("a node the topology lacks is captured in the endpoint's namespace; unknown other nodes are skipped")
    func unknownNodes() {
        let ct9 = endpoint("ct9", .pid(99), "eth0", 19)
        let walk = path(
            ct9,
            ct1,
            [
                hop("ct9", "eth0", .egress, .routeLookup),
                hop("ghost", "x0", .ingress, .vethPeer),
                hop("ct1", "eth0", .ingress, .vethPeer),
            ]
        )
        let points = PathCapturePoints.points(for: walk, in: topology, source: ct9, target: ct1)
        #expect(summary(points) == ["ct9:eth0=endpoint", "ct1:eth0=endpoint"])
        #expect(points.first?.namespace == .pid(99))
    }

    @Test("a hop blocked by design becomes a finding that explains an unreachable verdict, and flags an answer")
    func designLimit() {
        let walk = path(
            endpoint("host", .named("lab-host"), "br0", 3),
            ct3,
            [
                hop("host", "br0", .egress, .routeLookup),
                hop(
                    "ct3",
                    "eth0",
                    .ingress,
                    .macvlanChild,
                    blocked: "the parent br0 cannot reach its own macvlan children",
                    byDesign: true
                ),
            ]
        )
        let unreachable = report(.unreachable)
        let findings = PathTraceFindings.designLimits(walk, report: unreachable)
        #expect(findings.map(\.code) == ["blocked-by-design"])
        #expect(findings.first?.severity == .info)
        #expect(findings.first?.location == HopName(node: "ct3", interface: "eth0"))
        #expect(findings.first?.summary.contains("unreachable from host this way by design") == true)
        #expect(PathTraceFindings.designLimits(walk, report: report(.reachable)).first?.severity == .warning)
        #expect(findings.first?.fix.contains("macvlan child of its own") == true)
        var privateMode = walk
        privateMode.hops[1].blocked = "macvlan private mode: ct4:eth0 cannot reach its sibling ct3:eth0"
        let privateFix = PathTraceFindings.designLimits(privateMode, report: unreachable).first?.fix ?? ""
        #expect(privateFix.contains("mode bridge") && !privateFix.contains("macvlan child of its own"))
        #expect(PathTraceFindings.designLimits(extToCt1, report: unreachable).isEmpty)
        // The design finding replaces the engine's `dropped-between` at that hop, and leaves others alone.
        var traced = unreachable
        traced.findings = [
            finding("dropped-between", "ct3", "eth0"), finding("unicast-flooded", "host", "em1"),
            finding("dropped-between", "host", "em1"),
        ]
        #expect(
            PathTraceFindings.findings(of: traced, on: walk).map { "\($0.code) \($0.location?.description ?? "")" } == [
                "blocked-by-design ct3:eth0", "unicast-flooded host:em1", "dropped-between host:em1",
            ]
        )
    }

    private func finding(_ code: String, _ node: String, _ interface: String) -> Finding {
        Finding(
            code: code,
            severity: .error,
            location: HopName(node: node, interface: interface),
            summary: "",
            evidence: [],
            fix: ""
        )
    }

    private func report(_ verdict: Verdict) -> TraceReport {
        let end = EndpointSummary(endpoint: "x", node: "x", interface: "eth0", ip: nil, mac: nil)
        return TraceReport(
            runID: "r",
            from: end,
            to: end,
            verdict: verdict,
            probes: [],
            drop: nil,
            findings: [],
            durationNs: 0
        )
    }

    @Test("namespace files map back to the forms endpoints use")
    func namespaceFiles() {
        let walk = path(
            endpoint("a", .current, "eth0", 1),
            endpoint("b", .path("/var/run/x"), "eth0", 2),
            [hop("host", "em2", .egress, .routeLookup)]
        )
        let points = PathCapturePoints.points(
            for: walk,
            in: topology,
            source: endpoint("a", .current, "eth0", 1),
            target: endpoint("b", .path("/var/run/x"), "eth0", 2)
        )
        #expect(points.map(\.namespace) == [.named("lab-host"), .path("/var/run/x")])
    }
}
