import Containers
import Diagnosis
import KernelDrops
import KernelSettings
import NetworkModel
import PacketCodec
import Topology
import Trace

/// A host built from values, no kernel involved:
///
///     ext(eth0 .1) -- em1 [br0 host] vct1 -- eth0(ct1 .11)
///                                    vct2 -- eth0(ct2 .12)
///
/// Tests change one value and check the rule that should notice.
struct ConstructedLab {
    static let extIP = IPv4Address(192, 0, 2, 1)
    static let ct1IP = IPv4Address(192, 0, 2, 11)
    static let ct2IP = IPv4Address(192, 0, 2, 12)
    static let extMAC = MACAddress("02:00:00:00:00:01")!
    static let ct1MAC = MACAddress("02:00:00:00:00:11")!
    static let ct2MAC = MACAddress("02:00:00:00:00:12")!
    static let subnet = 24

    var ext = NamespaceSnapshot(node: NetworkNode(name: "ext", kind: .netns))
    var host = NamespaceSnapshot(node: NetworkNode(name: "host", kind: .host))
    var ct1 = NamespaceSnapshot(node: NetworkNode(name: "ct1", kind: .netns))
    var ct2 = NamespaceSnapshot(node: NetworkNode(name: "ct2", kind: .netns))
    var settings: [String: NodeSettings] = [:]
    var containers: [LXCContainer] = []
    var kernelDrops: [KernelDrop] = []
    var taggedFrames: [TaggedFrameSighting] = []

    init() {
        ext.links = [loopback(), Self.link(2, "eth0", .veth, mac: Self.extMAC)]
        ext.addresses = [Self.address("ext", 2, "eth0", Self.extIP)]
        ext.routes = [Self.connected("ext", 2, "eth0")]
        var br0 = Self.link(3, "br0", .bridge, mac: MACAddress("02:00:00:00:00:b0")!)
        br0.bridge = BridgeSettings(stpState: .off, forwardDelayCentiseconds: 1500)
        host.links = [
            loopback(),
            Self.port(Self.link(2, "em1", .physical, mac: MACAddress("02:00:00:00:00:e1")!), promiscuity: 1),
            br0,
            Self.port(Self.link(4, "vct1", .veth, mac: MACAddress("02:00:00:00:01:11")!), peer: "ct1"),
            Self.port(Self.link(5, "vct2", .veth, mac: MACAddress("02:00:00:00:01:12")!), peer: "ct2"),
        ]
        ct1.links = [loopback(), Self.peered(Self.link(2, "eth0", .veth, mac: Self.ct1MAC), "vct1", 4)]
        ct1.addresses = [Self.address("ct1", 2, "eth0", Self.ct1IP)]
        ct1.routes = [Self.connected("ct1", 2, "eth0")]
        ct2.links = [loopback(), Self.peered(Self.link(2, "eth0", .veth, mac: Self.ct2MAC), "vct2", 5)]
        ct2.addresses = [Self.address("ct2", 2, "eth0", Self.ct2IP)]
        ct2.routes = [Self.connected("ct2", 2, "eth0")]
        for node in ["ext", "host", "ct1", "ct2"] {
            settings[node] = NodeSettings(
                sysctls: Self.sysctls(["eth0", "em1", "br0", "vct1", "vct2"]),
                netfilter: NetfilterRuleset(hooks: [])
            )
        }
    }

    var context: DiagnosisContext {
        DiagnosisContext(
            topology: HostTopology(namespaces: [host, ext, ct1, ct2]),
            settings: settings,
            kernelDrops: kernelDrops,
            containers: containers,
            taggedFrames: taggedFrames
        )
    }

    // MARK: Building values

    private func loopback() -> Link { ConstructedLab.link(1, "lo", .loopback, mac: .zero) }

    static func link(_ index: Int32, _ name: String, _ kind: LinkKind, mac: MACAddress, mtu: Int = 1500) -> Link {
        var link = Link(index: index, name: name, kind: kind, mtu: mtu)
        link.mac = mac
        link.isUp = true
        link.carrier = true
        link.operState = .up
        return link
    }

    static func port(_ link: Link, promiscuity: Int = 0, peer: String? = nil) -> Link {
        var port = link
        port.master = LinkReference(node: "host", index: 3, name: "br0")
        port.bridgePort = BridgePort(
            state: .forwarding,
            learning: true,
            unicastFlood: true,
            broadcastFlood: true,
            multicastFlood: true
        )
        port.promiscuity = promiscuity
        if let peer { port.peer = LinkReference(node: peer, index: 2, name: "eth0") }
        return port
    }

    static func peered(_ link: Link, _ hostEnd: String, _ index: Int32) -> Link {
        var peered = link
        peered.peer = LinkReference(node: "host", index: index, name: hostEnd)
        return peered
    }

    static func address(
        _ node: String,
        _ index: Int32,
        _ name: String,
        _ ip: IPv4Address,
        prefix: Int = subnet
    )
        -> AddressAssignment
    {
        AddressAssignment(
            interface: LinkReference(node: node, index: index, name: name),
            address: ip,
            prefixLength: prefix
        )
    }

    static func connected(_ node: String, _ index: Int32, _ name: String) -> Route {
        Route(
            destination: IPv4Address(192, 0, 2, 0),
            prefixLength: subnet,
            interface: LinkReference(node: node, index: index, name: name),
            origin: "kernel",
            scope: "link"
        )
    }

    static func sysctls(
        _ interfaces: [String],
        all: [String: Int] = [:],
        own: [String: Int] = [:]
    )
        -> NamespaceSysctls
    {
        NamespaceSysctls(
            ipForward: 0,
            bridgeNetfilter: BridgeNetfilterSettings(callIptables: false, callArptables: false, callIp6tables: false),
            interfaces: interfaces.map { SysctlReader.combine(interface: $0, all: all, defaults: [:], own: own) }
        )
    }

    /// A permanent neighbour entry on ext's eth0 mapping `ip` to a MAC nobody has.
    static func wrongNeighbour(_ ip: IPv4Address) -> NeighbourEntry {
        NeighbourEntry(
            interface: LinkReference(node: "ext", index: 2, name: "eth0"),
            address: ip,
            mac: MACAddress("02:00:00:00:99:99")!,
            state: .permanent
        )
    }

    /// Replaces the link called `name` in `snapshot`.
    static func change(_ snapshot: inout NamespaceSnapshot, _ name: String, _ edit: (inout Link) -> Void) {
        guard let index = snapshot.links.firstIndex(where: { $0.name == name }) else { return }
        edit(&snapshot.links[index])
    }
}

/// Trace reports from ext to ct1 built from a description of what each hop saw.
enum ConstructedTrace {
    /// The capture points: ext:eth0, host:em1, host:br0, host:vct2 (side), host:vct1, ct1:eth0.
    static let points: [(String, String, HopRole, Bool)] = [
        ("ext", "eth0", .endpoint, false), ("host", "em1", .uplink, false), ("host", "br0", .bridge, false),
        ("host", "vct2", .bridgePort, true), ("host", "vct1", .veth, false), ("ct1", "eth0", .container, false),
    ]

    /// What one probe did: how far its request got along the path (index into the path points, all when nil),
    /// whether a reply came back, and which side points saw it.
    struct ProbeStory {
        var kind: ProbeKind
        var requestReached: Int? = nil
        var replied = true
        var answeredBy: [MACAddress] = [ConstructedLab.ct1MAC]
        var sideRequest = false
        var sideReply = false
        var size: Int? = nil
    }

    static func report(_ stories: [ProbeStory], drop: DropLocation? = nil, verdict: Verdict? = nil) -> TraceReport {
        let pathCount = points.filter { !$0.3 }.count
        var probes: [ProbeReport] = []
        for story in stories {
            var pathIndex = 0
            var hops: [HopSighting] = []
            for (node, interface, role, side) in points {
                let reached: Bool
                let replySeen: Bool
                if side {
                    reached = story.sideRequest || (story.kind == .arp && (story.requestReached ?? pathCount) >= 2)
                    replySeen = story.sideReply
                } else {
                    reached = pathIndex <= (story.requestReached ?? pathCount)
                    replySeen = story.replied
                    pathIndex += 1
                }
                hops.append(
                    HopSighting(
                        node: node,
                        interface: interface,
                        role: role,
                        isSide: side,
                        request: Sighting(timestampNs: reached ? 1 : nil),
                        reply: Sighting(timestampNs: replySeen ? 2 : nil)
                    )
                )
            }
            probes.append(
                ProbeReport(
                    kind: story.kind,
                    size: story.size ?? (story.kind == .arp ? 28 : story.kind == .icmp ? 84 : 1500),
                    sent: true,
                    result: story.replied ? .answered : .lost,
                    rttNs: story.replied ? 1000 : nil,
                    answeredBy: story.kind == .arp && story.replied ? story.answeredBy : [],
                    hops: hops
                )
            )
        }
        let allAnswered = probes.allSatisfy { $0.result == .answered }
        let anyEcho = probes.contains { $0.kind != .arp && $0.result == .answered }
        return TraceReport(
            runID: "test",
            from: EndpointSummary(
                endpoint: "ext",
                node: "ext",
                interface: "eth0",
                ip: ConstructedLab.extIP,
                mac: ConstructedLab.extMAC
            ),
            to: EndpointSummary(
                endpoint: "ct1",
                node: "ct1",
                interface: "eth0",
                ip: ConstructedLab.ct1IP,
                mac: ConstructedLab.ct1MAC
            ),
            verdict: verdict ?? (allAnswered ? .reachable : anyEcho ? .degraded : .unreachable),
            probes: probes,
            drop: drop,
            findings: [],
            durationNs: 1
        )
    }

    static func healthy() -> TraceReport {
        report([ProbeStory(kind: .arp), ProbeStory(kind: .icmp), ProbeStory(kind: .icmpMTU)])
    }

    /// Every probe's request stops after path point `lastSeen` (0 = ext:eth0 ... 4 = ct1:eth0).
    static func stopped(after lastSeen: Int, probe: ProbeKind = .arp) -> TraceReport {
        let path = points.filter { !$0.3 }
        let drop = DropLocation(
            probe: probe,
            direction: .request,
            lastSeen: HopName(node: path[lastSeen].0, interface: path[lastSeen].1),
            firstMissing: lastSeen + 1 < path.count
                ? HopName(node: path[lastSeen + 1].0, interface: path[lastSeen + 1].1) : nil
        )
        let kinds: [ProbeKind] = probe == .arp ? [.arp, .icmp, .icmpMTU] : [.arp, probe]
        let stories = kinds.map { kind in
            kind == .arp && probe != .arp
                ? ProbeStory(kind: .arp)
                : ProbeStory(kind: kind, requestReached: lastSeen, replied: false)
        }
        return report(stories, drop: drop)
    }

    /// The request of `probe` reached ct1:eth0 and no reply left it.
    static func swallowed(_ probe: ProbeKind) -> TraceReport {
        let drop = DropLocation(
            probe: probe,
            direction: .reply,
            lastSeen: HopName(node: "ct1", interface: "eth0"),
            firstMissing: HopName(node: "ct1", interface: "eth0")
        )
        let kinds: [ProbeKind] = probe == .arp ? [.arp, .icmp, .icmpMTU] : [.arp, .icmp, .icmpMTU]
        let stories = kinds.map { kind in
            probe == .arp || kind != .arp ? ProbeStory(kind: kind, replied: false) : ProbeStory(kind: .arp)
        }
        return report(stories, drop: drop)
    }
}
