import Diagnosis
import KernelDrops
import KernelSettings
import NetworkModel
import PacketCodec
import Testing
import Topology
import Trace

/// Each trace rule on constructed values: one value changed from a healthy host, one code expected.
@Suite("Trace rules on constructed values")
struct TraceRuleTests {
    private func codes(_ report: TraceReport, _ lab: ConstructedLab) -> [String] {
        TraceDiagnosis.findings(for: report, in: lab.context).map(\.code)
    }

    private func first(_ code: FindingCode, _ report: TraceReport, _ lab: ConstructedLab) -> Finding? {
        TraceDiagnosis.findings(for: report, in: lab.context).first { $0.code == code.rawValue }
    }

    @Test("a healthy trace on a healthy host has no findings")
    func healthy() {
        #expect(codes(ConstructedTrace.healthy(), ConstructedLab()).isEmpty)
    }

    @Test("LINK_DOWN: the container end down names itself; the host veth without carrier names its peer")
    func linkDown() throws {
        var lab = ConstructedLab()
        ConstructedLab.change(&lab.ct1, "eth0") {
            $0.isUp = false
            $0.operState = .down
            $0.carrier = false
        }
        ConstructedLab.change(&lab.host, "vct1") {
            $0.carrier = false
            $0.operState = .lowerLayerDown
        }
        let report = ConstructedTrace.stopped(after: 2)
        let findings = TraceDiagnosis.findings(for: report, in: lab.context).filter { $0.code == "LINK_DOWN" }
        #expect(findings.map { $0.location?.description } == ["ct1:eth0", "ct1:eth0"] || findings.count == 1)
        let first = try #require(findings.first)
        #expect(first.location == HopName(node: "ct1", interface: "eth0"))
        #expect(first.fix == "ip -n ct1 link set dev eth0 up")
        #expect(first.severity == .error)
    }

    @Test("LINK_DOWN from a capture that could not start, without a snapshot")
    func linkDownFromCapture() throws {
        var report = ConstructedTrace.stopped(after: 2)
        for index in report.probes.indices {
            let last = report.probes[index].hops.count - 1
            report.probes[index].hops[last].captureError = "interface down"
        }
        var lab = ConstructedLab()
        lab.ct1.links = []
        let finding = try #require(first(.linkDown, report, lab))
        #expect(finding.location?.description == "ct1:eth0")
    }

    @Test("ADDRESS_NOT_CONFIGURED: the ARP reached the target, which does not hold the address")
    func addressNotConfigured() throws {
        var lab = ConstructedLab()
        lab.ct1.addresses = []
        let report = ConstructedTrace.swallowed(.arp)
        let finding = try #require(first(.addressNotConfigured, report, lab))
        #expect(finding.fix == "ip -n ct1 addr add 192.0.2.11/24 dev eth0")
        #expect(finding.evidence.contains("the ARP request for 192.0.2.11 reached ct1:eth0"))
    }

    @Test("NO_ROUTE: the target has no route back, so its replies cannot leave")
    func noRouteBack() throws {
        var lab = ConstructedLab()
        lab.ct1.routes = []
        let report = ConstructedTrace.swallowed(.icmp)
        let finding = try #require(first(.noRoute, report, lab))
        #expect(finding.location?.description == "ct1:eth0")
        #expect(finding.fix == "ip -n ct1 route add 192.0.2.0/24 dev eth0")
    }

    @Test("NO_ROUTE: an unreachable route at the source counts as none")
    func noRouteAtSource() throws {
        var lab = ConstructedLab()
        lab.ext.routes.append(
            Route(destination: ConstructedLab.ct1IP, prefixLength: 32, type: "unreachable")
        )
        let finding = try #require(first(.noRoute, ConstructedTrace.healthy(), lab))
        #expect(finding.location?.description == "ext:eth0")
        #expect(finding.evidence.first == "best match for 192.0.2.11 in ext: unreachable 192.0.2.11/32")
    }

    @Test("ARP_IGNORED: arp_ignore=8 through conf/all keeps the target silent")
    func arpIgnored() throws {
        var lab = ConstructedLab()
        lab.settings["ct1"]?.sysctls = ConstructedLab.sysctls(["eth0"], all: ["arp_ignore": 8])
        let finding = try #require(first(.arpIgnored, ConstructedTrace.swallowed(.arp), lab))
        #expect(
            finding.fix == "ip netns exec ct1 sysctl -w net.ipv4.conf.all.arp_ignore=0 net.ipv4.conf.eth0.arp_ignore=0"
        )
        #expect(finding.evidence.contains("arp_ignore: all=8 eth0=0 effective=8"))
    }

    @Test("ARP_IGNORED: arp_ignore=1 and the address on another interface")
    func arpIgnoredOtherInterface() throws {
        var lab = ConstructedLab()
        lab.ct1.links.append(ConstructedLab.link(3, "eth1", .veth, mac: MACAddress("02:00:00:00:00:31")!))
        lab.ct1.addresses = [ConstructedLab.address("ct1", 3, "eth1", ConstructedLab.ct1IP)]
        lab.settings["ct1"]?.sysctls = ConstructedLab.sysctls(["eth0", "eth1"], own: ["arp_ignore": 1])
        let finding = try #require(first(.arpIgnored, ConstructedTrace.swallowed(.arp), lab))
        #expect(finding.summary.contains("and 192.0.2.11 is on eth1"))
        #expect(finding.fix == "ip netns exec ct1 sysctl -w net.ipv4.conf.eth0.arp_ignore=0")
    }

    @Test("ARP_IGNORED is not reported when the ARP never reached the target")
    func arpIgnoredNeedsSighting() {
        var lab = ConstructedLab()
        lab.settings["ct1"]?.sysctls = ConstructedLab.sysctls(["eth0"], all: ["arp_ignore": 8])
        #expect(!codes(ConstructedTrace.stopped(after: 2), lab).contains("ARP_IGNORED"))
    }

    @Test("ARP_FLUX: two interfaces of one namespace answered")
    func arpFlux() throws {
        var lab = ConstructedLab()
        let second = MACAddress("02:00:00:00:00:21")!
        lab.ct1.links.append(ConstructedLab.link(3, "eth1", .veth, mac: second))
        var report = ConstructedTrace.healthy()
        report.probes[0].answeredBy = [ConstructedLab.ct1MAC, second]
        let findings = TraceDiagnosis.findings(for: report, in: lab.context)
        let flux = try #require(findings.first { $0.code == "ARP_FLUX" })
        #expect(flux.summary.contains("eth0, eth1"))
        #expect(!findings.contains { $0.code == "DUPLICATE_IP" })
    }

    @Test("DUPLICATE_IP: two containers answered for one address")
    func duplicateIP() throws {
        var lab = ConstructedLab()
        lab.ct2.addresses.append(ConstructedLab.address("ct2", 2, "eth0", ConstructedLab.ct1IP))
        var report = ConstructedTrace.healthy()
        report.probes[0].answeredBy = [ConstructedLab.ct2MAC, ConstructedLab.ct1MAC]
        let findings = TraceDiagnosis.findings(for: report, in: lab.context)
        let duplicate = try #require(findings.first { $0.code == "DUPLICATE_IP" })
        #expect(duplicate.fix.hasSuffix("ip -n ct2 addr del 192.0.2.11/24 dev eth0"))
        #expect(!findings.contains { $0.code == "ARP_FLUX" })
    }

    @Test("DUPLICATE_MAC: two containers on the path share a MAC")
    func duplicateMAC() throws {
        var lab = ConstructedLab()
        ConstructedLab.change(&lab.ct2, "eth0") { $0.mac = ConstructedLab.ct1MAC }
        let finding = try #require(first(.duplicateMAC, ConstructedTrace.healthy(), lab))
        #expect(finding.summary == "02:00:00:00:00:11 is used by ct1:eth0, ct2:eth0")
    }

    @Test("STALE_NEIGHBOUR: the source's permanent entry holds another MAC")
    func staleNeighbour() throws {
        var lab = ConstructedLab()
        lab.ext.neighbours = [ConstructedLab.wrongNeighbour(ConstructedLab.ct1IP)]
        let finding = try #require(first(.staleNeighbour, ConstructedTrace.healthy(), lab))
        #expect(finding.summary.contains("02:00:00:00:99:99"))
        #expect(finding.fix == "ip -n ext neigh replace 192.0.2.11 lladdr 02:00:00:00:00:11 dev eth0 nud permanent")
        lab.ext.neighbours[0].mac = ConstructedLab.ct1MAC
        #expect(!codes(ConstructedTrace.healthy(), lab).contains("STALE_NEIGHBOUR"))
    }

    @Test("diagnose: catalogue findings first; the trace's own that a catalogue finding restates are dropped")
    func diagnoseMerges() {
        var lab = ConstructedLab()
        lab.ext.neighbours = [
            ConstructedLab.wrongNeighbour(ConstructedLab.ct1IP)
        ]
        var report = ConstructedTrace.healthy()
        let own = ["stale-neighbour", "unicast-flooded"].map {
            Finding(code: $0, severity: .info, location: nil, summary: $0, evidence: [], fix: "")
        }
        report.findings = own
        let codes = TraceDiagnosis.diagnose(report, in: lab.context).findings.map(\.code)
        #expect(codes == ["STALE_NEIGHBOUR", "unicast-flooded"])
    }

    @Test("BRIDGE_PORT_NOT_FORWARDING: the container's port disabled, STP off")
    func portNotForwarding() throws {
        var lab = ConstructedLab()
        ConstructedLab.change(&lab.host, "vct1") { $0.bridgePort?.state = .disabled }
        let finding = try #require(first(.bridgePortNotForwarding, ConstructedTrace.stopped(after: 2), lab))
        #expect(finding.fix == "bridge link set dev vct1 state 3")
        #expect(finding.location?.description == "host:vct1")
    }

    @Test("BRIDGE_PORT_FLOOD_DISABLED: the broadcast ARP stops at a port with bcast_flood off")
    func floodDisabled() throws {
        var lab = ConstructedLab()
        ConstructedLab.change(&lab.host, "vct1") { $0.bridgePort?.broadcastFlood = false }
        let finding = try #require(first(.bridgePortFloodDisabled, ConstructedTrace.stopped(after: 2), lab))
        #expect(finding.fix == "bridge link set dev vct1 bcast_flood on")
        // Unicast flooding off does not explain a lost broadcast.
        var unicastOnly = ConstructedLab()
        ConstructedLab.change(&unicastOnly.host, "vct1") { $0.bridgePort?.unicastFlood = false }
        #expect(!codes(ConstructedTrace.stopped(after: 2), unicastOnly).contains("BRIDGE_PORT_FLOOD_DISABLED"))
    }

    @Test("FDB_WRONG_PORT: the bridge's table sends ct1's MAC to vct2, where the echo request shows up")
    func fdbWrongPort() throws {
        var lab = ConstructedLab()
        lab.host.fdb = [
            FDBEntry(
                mac: ConstructedLab.ct1MAC,
                port: LinkReference(node: "host", index: 5, name: "vct2"),
                bridge: LinkReference(node: "host", index: 3, name: "br0"),
                state: .static
            )
        ]
        let report = ConstructedTrace.report(
            [
                .init(kind: .arp),
                .init(kind: .icmp, requestReached: 2, replied: false, sideRequest: true),
            ],
            drop: DropLocation(
                probe: .icmp,
                direction: .request,
                lastSeen: HopName(node: "host", interface: "br0"),
                firstMissing: HopName(node: "host", interface: "vct1")
            )
        )
        let finding = try #require(first(.fdbWrongPort, report, lab))
        #expect(finding.fix == "bridge fdb del 02:00:00:00:00:11 dev vct2 master")
        #expect(finding.evidence.contains("icmp captured on host:vct2, off the path"))
        // An entry the echoes did not follow (relearned before they went) is not reported.
        #expect(!codes(ConstructedTrace.healthy(), lab).contains("FDB_WRONG_PORT"))
    }

    @Test("BR_NETFILTER_DROP: lost between two ports of br0 with bridge-nf-call-iptables and a FORWARD drop")
    func brNetfilterDrop() throws {
        var lab = ConstructedLab()
        lab.settings["host"]?.sysctls?.bridgeNetfilter = BridgeNetfilterSettings(
            callIptables: true,
            callArptables: false,
            callIp6tables: false
        )
        lab.settings["host"]?.netfilter = NetfilterRuleset(hooks: [Self.forwardDrop])
        var report = ConstructedTrace.stopped(after: 1, probe: .icmp)
        // The bridge device never captures forwarded unicast, so the trace names the port after it.
        report.drop?.firstMissing = HopName(node: "host", interface: "vct1")
        let finding = try #require(first(.brNetfilterDrop, report, lab))
        #expect(finding.location?.description == "host:vct1")
        #expect(finding.summary.contains("bridged by host:br0"))
        #expect(finding.fix.hasPrefix("sysctl -w net.bridge.bridge-nf-call-iptables=0"))
        #expect(finding.evidence.contains("forward handle 3: ip protocol icmp drop (4 packets)"))
        // The same loss with br_netfilter off is not blamed on it.
        lab.settings["host"]?.sysctls?.bridgeNetfilter?.callIptables = false
        #expect(!codes(report, lab).contains("BR_NETFILTER_DROP"))
    }

    static let forwardDrop = NetfilterHook(
        family: "inet",
        table: "lxcdiag_fault",
        chain: "forward",
        hook: "forward",
        type: "filter",
        priority: 0,
        policy: "accept",
        dropRules: [
            NetfilterRule(chain: "forward", handle: 3, text: "ip protocol icmp drop", verdict: "drop", packets: 4)
        ]
    )

    @Test("NETFILTER_DROP: the container's input chain drops the echo request it received")
    func netfilterDrop() throws {
        var lab = ConstructedLab()
        var input = Self.forwardDrop
        input.chain = "input"
        input.hook = "input"
        input.dropRules[0].chain = "input"
        lab.settings["ct1"]?.netfilter = NetfilterRuleset(hooks: [input])
        let finding = try #require(first(.netfilterDrop, ConstructedTrace.swallowed(.icmp), lab))
        #expect(finding.fix == "ip netns exec ct1 nft delete rule inet lxcdiag_fault input handle 3")
    }

    @Test("NETFILTER_DROP: a bridge-family chain drops between two ports of br0 (no br_netfilter needed)")
    func bridgeFamilyDrop() throws {
        var lab = ConstructedLab()
        var bridgeHook = Self.forwardDrop
        bridgeHook.family = "bridge"
        lab.settings["host"]?.netfilter = NetfilterRuleset(hooks: [bridgeHook])
        var report = ConstructedTrace.stopped(after: 1, probe: .icmp)
        report.drop?.firstMissing = HopName(node: "host", interface: "vct1")
        let finding = try #require(first(.netfilterDrop, report, lab))
        #expect(finding.location?.description == "host:vct1")
        #expect(finding.fix == "nft delete rule bridge lxcdiag_fault forward handle 3")
        #expect(!codes(report, lab).contains("BR_NETFILTER_DROP"))
    }

    @Test("RP_FILTER_DROP: strict rp_filter and the route back leaves by another interface")
    func rpFilter() throws {
        var lab = ConstructedLab()
        lab.ct1.links.append(ConstructedLab.link(3, "rpf0", .veth, mac: MACAddress("02:00:00:00:00:41")!))
        lab.ct1.routes.append(
            Route(
                destination: ConstructedLab.extIP,
                prefixLength: 32,
                interface: LinkReference(node: "ct1", index: 3, name: "rpf0")
            )
        )
        lab.settings["ct1"]?.sysctls = ConstructedLab.sysctls(["eth0", "rpf0"], all: ["rp_filter": 1])
        let finding = try #require(first(.rpFilterDrop, ConstructedTrace.swallowed(.arp), lab))
        #expect(finding.summary.contains("leaves by rpf0"))
        // The request came in on eth0, the interface ct1 is attached by: the /32 route that diverts the replies to
        // rpf0 is what to undo; loose mode, which would let the request in while the reply still leaves by rpf0,
        // is the alternative.
        #expect(finding.fix == "ip netns exec ct1 ip route del 192.0.2.1/32 dev rpf0")
        #expect(finding.evidence.last?.contains("sysctl -w net.ipv4.conf.all.rp_filter=2") == true)
        // Loose mode accepts any route back.
        lab.settings["ct1"]?.sysctls = ConstructedLab.sysctls(["eth0", "rpf0"], all: ["rp_filter": 2])
        #expect(!codes(ConstructedTrace.swallowed(.arp), lab).contains("RP_FILTER_DROP"))
    }

    @Test("MTU_MISMATCH: the large probe is lost where the container's MTU is 1400")
    func mtuMismatch() throws {
        var lab = ConstructedLab()
        ConstructedLab.change(&lab.ct1, "eth0") { $0.mtu = 1400 }
        let report = ConstructedTrace.report(
            [.init(kind: .arp), .init(kind: .icmp), .init(kind: .icmpMTU, requestReached: 3, replied: false)],
            drop: DropLocation(
                probe: .icmpMTU,
                direction: .request,
                lastSeen: HopName(node: "host", interface: "vct1"),
                firstMissing: HopName(node: "ct1", interface: "eth0")
            )
        )
        let finding = try #require(first(.mtuMismatch, report, lab))
        #expect(finding.fix.hasPrefix("ip -n ct1 link set dev eth0 mtu 1500"))
        #expect(finding.evidence.contains("ct1:eth0 mtu 1400"))
    }

    @Test("KERNEL_DROP only when nothing else explains the loss")
    func kernelDrop() throws {
        func drop(_ reason: String, _ location: String, _ device: String) -> KernelDrop {
            KernelDrop(
                reason: reason,
                location: location,
                device: device,
                length: 98,
                timestampNs: 1,
                lastEvent: "netif_receive_skb",
                devices: [device]
            )
        }
        var report = ConstructedTrace.stopped(after: 3, probe: .icmp)
        report.drop?.kernel = drop("NOT_SPECIFIED", "br_forward", "br0")
        var lab = ConstructedLab()
        // Copies that die on the way (a flood to br0's own stack, the reply at the source) are not the loss.
        lab.kernelDrops = [drop("OTHERHOST", "ip_rcv_core", "br0"), drop("NO_SOCKET", "ping_rcv", "eth0")]
        let findings = TraceDiagnosis.findings(for: report, in: lab.context).filter { $0.code == "KERNEL_DROP" }
        #expect(findings.map(\.summary) == ["the kernel dropped the frame: NOT_SPECIFIED in br_forward"])
        report.drop?.kernel = nil
        #expect(!codes(report, lab).contains("KERNEL_DROP"))
        var explained = ConstructedLab()
        ConstructedLab.change(&explained.ct1, "eth0") { $0.isUp = false }
        report.drop?.kernel = drop("NOT_SPECIFIED", "br_forward", "br0")
        #expect(!codes(report, explained).contains("KERNEL_DROP"))
    }

    @Test("PROMISC_REQUIRED: a unicast stops at an enslaved uplink that is not promiscuous (recorded values only)")
    func promiscRequired() throws {
        var lab = ConstructedLab()
        ConstructedLab.change(&lab.host, "em1") { $0.promiscuity = 0 }
        let report = ConstructedTrace.stopped(after: 0, probe: .icmp)
        let finding = try #require(first(.promiscRequired, report, lab))
        #expect(finding.fix == "ip link set dev em1 promisc on")
        ConstructedLab.change(&lab.host, "em1") { $0.promiscuity = 1 }
        #expect(!codes(report, lab).contains("PROMISC_REQUIRED"))
    }

    @Test("VLAN_MISMATCH: a frame tagged 211 reaches em1, which only has VLAN 103 (recorded values only)")
    func vlanMismatch() throws {
        var lab = ConstructedLab()
        var vlan = ConstructedLab.link(9, "em1.103", .vlan, mac: MACAddress("02:00:00:00:00:e1")!)
        vlan.vlan = VLANSettings(id: 103)
        vlan.parent = LinkReference(node: "host", index: 2, name: "em1")
        lab.host.links.append(vlan)
        lab.taggedFrames = [TaggedFrameSighting(at: HopName(node: "host", interface: "em1"), vlanIDs: [211])]
        let finding = try #require(first(.vlanMismatch, ConstructedTrace.stopped(after: 1), lab))
        #expect(finding.fix.hasPrefix("ip link add link em1 name em1.211 type vlan id 211"))
        lab.taggedFrames = [TaggedFrameSighting(at: HopName(node: "host", interface: "em1"), vlanIDs: [103])]
        #expect(!codes(ConstructedTrace.stopped(after: 1), lab).contains("VLAN_MISMATCH"))
        lab.taggedFrames = [
            TaggedFrameSighting(at: HopName(node: "ct1", interface: "eth0"), vlanIDs: [], expectedVLAN: 211)
        ]
        let untagged = try #require(first(.vlanMismatch, ConstructedTrace.stopped(after: 1), lab))
        #expect(untagged.summary.contains("untagged"))
    }
}
