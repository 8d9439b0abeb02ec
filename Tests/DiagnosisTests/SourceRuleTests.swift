import Diagnosis
import KernelSettings
import NetworkModel
import PacketCodec
import Testing
import Topology
import Trace

/// The source-side rules on constructed values: every crafted probe answered, the stack probe (the source's own
/// echo request) lost in one of the ways a fault at the source loses it.
@Suite("Source-side trace rules on constructed values")
struct SourceRuleTests {
    /// A healthy trace plus the stack probe, whose request got as far as `requestReached` (path index; -1 for not
    /// even the source's interface) and whose reply was captured when `replyCaptured`; never on the socket.
    private func stackLost(requestReached: Int, replyCaptured: Bool, sendError: String? = nil) -> TraceReport {
        var report = ConstructedTrace.report([
            ConstructedTrace.ProbeStory(kind: .arp), ConstructedTrace.ProbeStory(kind: .icmp),
            ConstructedTrace.ProbeStory(kind: .icmpMTU),
            ConstructedTrace.ProbeStory(kind: .stack, requestReached: requestReached, replied: replyCaptured),
        ])
        let index = report.probes.count - 1
        report.probes[index].result = .lost
        report.probes[index].rttNs = nil
        report.probes[index].sendError = sendError
        report.probes[index].sent = sendError == nil
        report.verdict = .unreachable
        return report
    }

    private func findings(_ report: TraceReport, _ lab: ConstructedLab) -> [Finding] {
        TraceDiagnosis.findings(for: report, in: lab.context)
    }

    private static let outputDrop = NetfilterHook(
        family: "inet",
        table: "t",
        chain: "o",
        hook: "output",
        type: "filter",
        priority: 0,
        policy: "accept",
        dropRules: [NetfilterRule(chain: "o", handle: 2, text: "ip daddr 192.0.2.11 drop", verdict: "drop", packets: 1)]
    )

    @Test("the stack probe answered too: no source-side finding")
    func healthy() {
        let report = ConstructedTrace.report([
            ConstructedTrace.ProbeStory(kind: .arp), ConstructedTrace.ProbeStory(kind: .icmp),
            ConstructedTrace.ProbeStory(kind: .icmpMTU), ConstructedTrace.ProbeStory(kind: .stack),
        ])
        var lab = ConstructedLab()
        lab.settings["ext"]?.netfilter = NetfilterRuleset(hooks: [Self.outputDrop])
        #expect(findings(report, lab).isEmpty)
    }

    @Test("NETFILTER_DROP at the source: the send refused, an output chain that can drop")
    func outputChain() throws {
        var lab = ConstructedLab()
        lab.settings["ext"]?.netfilter = NetfilterRuleset(hooks: [Self.outputDrop])
        let report = stackLost(requestReached: -1, replyCaptured: false, sendError: "sendto: Operation not permitted")
        let finding = try #require(findings(report, lab).first)
        #expect(finding.code == "NETFILTER_DROP")
        #expect(finding.location == HopName(node: "ext", interface: "eth0"))
        #expect(finding.evidence.contains("o handle 2: ip daddr 192.0.2.11 drop (1 packets)"))
        #expect(finding.evidence.first?.hasSuffix("Operation not permitted") == true)
        #expect(finding.fix == "ip netns exec ext nft delete rule inet t o handle 2")
        // Without such a chain nothing is blamed on netfilter.
        #expect(!findings(report, ConstructedLab()).contains { $0.code == "NETFILTER_DROP" })
    }

    @Test("NO_ROUTE at the source: the route to the target leaves by another interface")
    func wrongRoute() throws {
        var lab = ConstructedLab()
        lab.ext.links.append(ConstructedLab.link(3, "wg0", .veth, mac: MACAddress("02:00:00:00:00:31")!))
        lab.ext.routes.append(
            Route(
                destination: ConstructedLab.ct1IP,
                prefixLength: 32,
                interface: LinkReference(node: "ext", index: 3, name: "wg0")
            )
        )
        let finding = try #require(findings(stackLost(requestReached: -1, replyCaptured: false), lab).first)
        #expect(finding.code == "NO_ROUTE")
        #expect(finding.summary.contains("out of wg0, not eth0"))
        #expect(finding.fix == "ip -n ext route replace 192.0.2.11/32 dev eth0")
        // The kernel's frame did leave by eth0 (policy routing): the main table's route is not the cause.
        #expect(!findings(stackLost(requestReached: 4, replyCaptured: true), lab).contains { $0.code == "NO_ROUTE" })
    }

    @Test("RP_FILTER_DROP at the source: the reply captured on eth0, strict rp_filter, the route back elsewhere")
    func reversePath() throws {
        var lab = ConstructedLab()
        lab.ext.links.append(ConstructedLab.link(3, "rp0", .veth, mac: MACAddress("02:00:00:00:00:32")!))
        lab.ext.routes.append(
            Route(
                destination: ConstructedLab.ct1IP,
                prefixLength: 32,
                interface: LinkReference(node: "ext", index: 3, name: "rp0")
            )
        )
        let report = stackLost(requestReached: 4, replyCaptured: true)
        #expect(!findings(report, lab).contains { $0.code == "RP_FILTER_DROP" }, "rp_filter is off")
        lab.settings["ext"]?.sysctls = ConstructedLab.sysctls(["eth0", "rp0"], all: ["rp_filter": 1])
        let finding = try #require(findings(report, lab).first { $0.code == "RP_FILTER_DROP" })
        #expect(finding.location == HopName(node: "ext", interface: "eth0"))
        #expect(finding.evidence.contains("route to 192.0.2.11 in ext's main table: 192.0.2.11/32 dev rp0"))
    }

    @Test("NETFILTER_DROP at the source's input: the reply captured, not delivered, rp_filter not the cause")
    func inputChain() throws {
        var lab = ConstructedLab()
        var input = Self.outputDrop
        input.hook = "input"
        input.chain = "i"
        input.dropRules[0].chain = "i"
        lab.settings["ext"]?.netfilter = NetfilterRuleset(hooks: [input])
        let finding = try #require(findings(stackLost(requestReached: 4, replyCaptured: true), lab).first)
        #expect(finding.code == "NETFILTER_DROP")
        #expect(finding.fix == "ip netns exec ext nft delete rule inet t i handle 2")
    }

    @Test("a stale entry: STALE_NEIGHBOUR with the MAC the kernel's own frame left for")
    func staleEntry() throws {
        var lab = ConstructedLab()
        lab.ext.neighbours = [ConstructedLab.wrongNeighbour(ConstructedLab.ct1IP)]
        var report = stackLost(requestReached: 4, replyCaptured: false)
        report.probes[3].sentTo = MACAddress("02:00:00:00:99:99")
        let finding = try #require(findings(report, lab).first)
        #expect(finding.code == "STALE_NEIGHBOUR")
        #expect(
            finding.evidence.contains("the source's own echo request left ext:eth0 for 02:00:00:00:99:99 (unanswered)")
        )
        // The trace's own `stack-lost` says the same without the cause and is left out beside it.
        report.findings = [
            Finding(code: "stack-lost", severity: .error, location: nil, summary: "", evidence: [], fix: ""),
            Finding(code: "unicast-flooded", severity: .info, location: nil, summary: "", evidence: [], fix: ""),
        ]
        let diagnosed = TraceDiagnosis.diagnose(report, in: lab.context)
        #expect(!diagnosed.findings.contains { $0.code == "stack-lost" })
        #expect(diagnosed.findings.contains { $0.code == "unicast-flooded" }, "findings it does not restate stay")
    }
}
