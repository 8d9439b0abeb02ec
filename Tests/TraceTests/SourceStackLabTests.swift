import Foundation
import Glibc
import Lab
import LinuxNet
import Testing

/// Whether the kernel's own `ping -c1 -W1` from `namespace` to `address` gets an answer: the independent check
/// that the trace's verdict agrees with what the user's stack does.
private func pingAnswers(from namespace: String, to address: String) throws -> Bool {
    try ExternalCommand.run(["ip", "netns", "exec", namespace, "ping", "-c1", "-W1", "-n", address]).status == 0
}

/// Runs `nft -f -` with `ruleset` inside `namespace`.
private func nft(in namespace: String, _ ruleset: String) throws {
    let file = NSTemporaryDirectory() + "lxcdiag-nft-\(getpid())-\(UInt32.random(in: 0..<UInt32.max)).nft"
    try ruleset.write(toFile: file, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: file) }
    try ExternalCommand.check(["ip", "netns", "exec", namespace, "nft", "-f", file])
}

/// The verdict is about the traffic the source's own stack sends: faults made for real at the source (which
/// the crafted AF_PACKET frames bypass) make the trace unreachable with the cause named, exit 1, while the
/// kernel's own `ping` from the same namespace fails too; on the healthy lab both agree the other way.
@Suite(
    "lxcdiag trace agrees with ping from the source (plain namespaces)",
    .serialized,
    .enabled(if: getuid() == 0, "needs root"),
    .enabled(if: FileManager.default.isExecutableFile(atPath: lxcdiagBinary), "build lxcdiag first"),
    .enabled(if: ExternalCommand.locate("ping") != nil, "needs ping"),
    .lab(.namespaces)
)
struct SourceStackLabTests {
    let lab: TraceLab
    let ext: String
    let ct1: String

    init() throws {
        lab = try TraceLab.suiteLab()
        ext = lab.configuration.externalNamespace
        ct1 = "\(try lab.addressing.container(1))"
    }

    /// Traces ext -> ct1 with a fault in place and checks what every source-side fault must show.
    private func expectSourceFault(_ code: String, _ detail: String) throws -> (TraceDocument, Run) {
        let run = try lab.trace("ext", "ct1")
        let document = try TraceDocument(run)
        #expect(document.verdict == "unreachable", "\(detail): \(document.findings)")
        #expect(document.stackResult == "lost", "\(detail)")
        #expect(document.findings.first == code, "\(detail): \(document.findings)")
        #expect(run.status == 1, "\(detail): \(run.error)")
        #expect(try !pingAnswers(from: ext, to: ct1), "\(detail): ping from ext should fail too")
        return (document, run)
    }

    /// Runs `bridge ARGS` (or any command) inside the lab's host namespace.
    private func inHost(_ arguments: [String]) throws {
        try ExternalCommand.check(["ip", "netns", "exec", lab.host] + arguments)
    }

    @Test("healthy: reachable, exit 0, every probe answered (the stack probe on its socket), and ping agrees")
    func healthy() throws {
        let run = try lab.trace("ext", "ct1")
        let document = try TraceDocument(run)
        #expect(document.verdict == "reachable")
        #expect(run.status == 0, "\(run.error)")
        #expect(document.kinds == ["arp", "icmp", "icmp-mtu", "stack"])
        #expect(document.stackResult == "answered")
        #expect(!document.hasError, "\(document.severities)")
        #expect(try pingAnswers(from: ext, to: ct1))
    }

    @Test("a permanent wrong neighbour entry at the source: unreachable, STALE_NEIGHBOUR with both MACs")
    func wrongNeighbourEntry() throws {
        let wrong = "02:00:00:00:99:99"
        try ExternalCommand.check(
            ["ip", "-n", ext, "neigh", "replace", ct1, "lladdr", wrong, "dev", "eth0", "nud", "permanent"]
        )
        defer { _ = try? ExternalCommand.run(["ip", "-n", ext, "neigh", "del", ct1, "dev", "eth0"]) }
        let (_, run) = try expectSourceFault("STALE_NEIGHBOUR", "wrong neighbour entry")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any])
        let findings = try #require(json["findings"] as? [[String: Any]])
        let stale = try #require(findings.first { $0["code"] as? String == "STALE_NEIGHBOUR" })
        let evidence = stale["evidence"] as? [String] ?? []
        #expect(evidence.contains { $0.contains(wrong) && $0.contains("neighbour entry") }, "\(evidence)")
        #expect(evidence.contains { $0.hasPrefix("ARP reply for \(ct1) from ") }, "\(evidence)")
        #expect(evidence.contains { $0.contains("own echo request left") && $0.contains(wrong) }, "\(evidence)")
        // The frame the kernel sent to nobody's MAC was flooded; that is not the bridge's fault to report.
        #expect(!(findings.compactMap { $0["code"] as? String }.contains("unicast-flooded")))
    }

    @Test("an nft output drop at the source: the kernel refuses the send, NETFILTER_DROP names the output rule")
    func outputDrop() throws {
        try nft(
            in: ext,
            "table inet lxcdiag_t {\n chain o {\n  type filter hook output priority 0;\n  ip daddr \(ct1) drop;\n }\n}\n"
        )
        defer {
            _ = try? ExternalCommand.run(["ip", "netns", "exec", ext, "nft", "delete", "table", "inet", "lxcdiag_t"])
        }
        let (document, run) = try expectSourceFault("NETFILTER_DROP", "output drop")
        #expect(
            document.stackSendError?.contains("Operation not permitted") == true,
            "\(document.stackSendError ?? "-")"
        )
        #expect(run.output.contains("inet lxcdiag_t o (hook output"), "the output hook is the evidence")
    }

    @Test("an nft input drop at the source: the reply reaches ext:eth0, not the socket; NETFILTER_DROP at the source")
    func inputDrop() throws {
        try nft(
            in: ext,
            "table inet lxcdiag_i {\n chain i {\n  type filter hook input priority 0;\n  ip saddr \(ct1) drop;\n }\n}\n"
        )
        defer {
            _ = try? ExternalCommand.run(["ip", "netns", "exec", ext, "nft", "delete", "table", "inet", "lxcdiag_i"])
        }
        let (document, run) = try expectSourceFault("NETFILTER_DROP", "input drop")
        #expect(document.drop == "stack reply ext:eth0 ?:?", "\(document.drop ?? "no drop")")
        #expect(run.output.contains("inet lxcdiag_i i (hook input"), "the input hook is the evidence")
    }

    @Test("no route at the source: the kernel refuses the send, NO_ROUTE at the source")
    func missingRoute() throws {
        let addressing = try lab.addressing
        let subnet = "\(addressing.subnet)"
        let route = ["ip", "-n", ext, "route"]
        try ExternalCommand.check(route + ["del", subnet, "dev", "eth0"])
        defer { _ = try? ExternalCommand.run(route + ["add", subnet, "dev", "eth0", "src", "\(addressing.external)"]) }
        let (document, _) = try expectSourceFault("NO_ROUTE", "missing route")
        #expect(
            document.stackSendError?.contains("Network is unreachable") == true,
            "\(document.stackSendError ?? "-")"
        )
    }

    @Test("strict rp_filter at the source: the reply reaches ext:eth0, not the socket; RP_FILTER_DROP at the source")
    func strictReversePath() throws {
        // Policy routing sends ext's own traffic to ct1 out of eth0 (marked on output), while the main table routes
        // ct1's address to another interface: strict reverse-path filtering then drops the replies on eth0.
        let command = ["ip", "netns", "exec", ext]
        try ExternalCommand.check(command + ["ip", "link", "add", "rp0", "type", "veth", "peer", "name", "rp1"])
        defer { _ = try? ExternalCommand.run(command + ["ip", "link", "del", "rp0"]) }
        try ExternalCommand.check(command + ["ip", "link", "set", "rp0", "up"])
        try ExternalCommand.check(command + ["ip", "link", "set", "rp1", "up"])
        try ExternalCommand.check(command + ["ip", "route", "add", "\(ct1)/32", "dev", "rp0"])
        try ExternalCommand.check(command + ["ip", "route", "add", "\(ct1)/32", "dev", "eth0", "table", "4711"])
        defer { _ = try? ExternalCommand.run(command + ["ip", "route", "flush", "table", "4711"]) }
        try ExternalCommand.check(command + ["ip", "rule", "add", "fwmark", "0x4711", "lookup", "4711"])
        defer { _ = try? ExternalCommand.run(command + ["ip", "rule", "del", "fwmark", "0x4711", "lookup", "4711"]) }
        try nft(
            in: ext,
            "table ip lxcdiag_rp {\n chain o {\n  type route hook output priority 0;\n"
                + "  ip daddr \(ct1) meta mark set 0x4711;\n }\n}\n"
        )
        defer { _ = try? ExternalCommand.run(command + ["nft", "delete", "table", "ip", "lxcdiag_rp"]) }
        let sysctl = command + ["sysctl", "-q", "-w"]
        let before = try ExternalCommand.check(command + ["sysctl", "-n", "net.ipv4.conf.all.rp_filter"])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try ExternalCommand.check(sysctl + ["net.ipv4.conf.all.rp_filter=1"])
        defer { _ = try? ExternalCommand.run(sysctl + ["net.ipv4.conf.all.rp_filter=\(before)"]) }
        let (document, _) = try expectSourceFault("RP_FILTER_DROP", "strict rp_filter")
        // The kernel's frame left by eth0 (policy routing), so the main table's other route is not the finding.
        #expect(!document.findings.contains("NO_ROUTE"), "\(document.findings)")
        #expect(document.drop == "stack reply ext:eth0 ?:?", "\(document.drop ?? "no drop")")
    }

    @Test("flooding off on veth-ct1: ARP never resolves, so unreachable (not degraded), exit 1")
    func floodOff() throws {
        // ct1 must not already know ext's MAC from an earlier trace's ARP; ext must not know ct1's.
        _ = try? ExternalCommand.run(["ip", "-n", ext, "neigh", "flush", "dev", "eth0"])
        let flags = ["flood", "mcast_flood", "bcast_flood"]
        try inHost(["bridge", "link", "set", "dev", "veth-ct1"] + flags.flatMap { [$0, "off"] })
        defer { try? inHost(["bridge", "link", "set", "dev", "veth-ct1"] + flags.flatMap { [$0, "on"] }) }
        let run = try lab.trace("ext", "ct1")
        let document = try TraceDocument(run)
        #expect(document.verdict == "unreachable")
        #expect(run.status == 1)
        #expect(document.findings.first == "BRIDGE_PORT_FLOOD_DISABLED", "\(document.findings)")
        #expect(try !pingAnswers(from: ext, to: ct1))
    }

    @Test("arp_ignore=8 in ct1: no ARP answer, so unreachable (not degraded), ARP_IGNORED, exit 1")
    func arpIgnoreEight() throws {
        _ = try? ExternalCommand.run(["ip", "-n", ext, "neigh", "flush", "dev", "eth0"])
        let inCt1 = ["ip", "netns", "exec", lab.member("ct1"), "sysctl"]
        let before = try ExternalCommand.check(inCt1 + ["-n", "net.ipv4.conf.all.arp_ignore"])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try ExternalCommand.check(inCt1 + ["-qw", "net.ipv4.conf.all.arp_ignore=8"])
        defer { _ = try? ExternalCommand.run(inCt1 + ["-qw", "net.ipv4.conf.all.arp_ignore=\(before)"]) }
        let run = try lab.trace("ext", "ct1")
        let document = try TraceDocument(run)
        #expect(document.verdict == "unreachable")
        #expect(run.status == 1)
        #expect(document.findings.first == "ARP_IGNORED", "\(document.findings)")
        #expect(try !pingAnswers(from: ext, to: ct1))
    }

    @Test("ARP flux that still lets ping pass: reachable, yet the error-level finding makes the exit status 1")
    func errorFindingWhileReachable() throws {
        let fault = ["lab", "break", "arp-flux", "--name", lab.configuration.name]
        let broke = try lxcdiag(fault)
        #expect(broke.status == 0, "\(broke.error)")
        defer { _ = try? lxcdiag(["lab", "fix", "arp-flux", "--name", lab.configuration.name]) }
        let run = try lab.trace("ext", "ct1")
        let document = try TraceDocument(run)
        #expect(document.verdict == "reachable")
        #expect(document.severities.contains("ARP_FLUX error"), "\(document.severities)")
        #expect(run.status == 1, "an error-level finding fails the check even when reachable")
        #expect(try pingAnswers(from: ext, to: ct1))
    }

    @Test("text output: a stack column, a legend, and a stop sentence naming hops as the table shows them")
    func textAgreesWithItself() throws {
        try lab.inHost("bridge", "link", "set", "dev", "veth-ct1", "state", "0")
        defer { try? lab.inHost("bridge", "link", "set", "dev", "veth-ct1", "state", "3") }
        let run = try lxcdiag(
            ["trace", "--from", "ext", "--to", "ct1"],
            environment: ["LXCDIAG_ENDPOINTS": lab.configuration.endpointsPath, "NO_COLOR": "1", "LC_ALL": "C.UTF-8"]
        )
        #expect(run.status == 1)
        let lines = run.output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let header = try #require(lines.first { $0.hasPrefix("hop ") })
        #expect(header.split(separator: " ").suffix(4) == ["arp", "icmp", "icmp-mtu", "stack"])
        #expect(lines.contains { $0.hasPrefix("marks: → request seen, ← reply seen, · not seen, ✗") })
        #expect(lines.contains { $0.contains("stack: echo request sent by the source's own kernel") })
        let stop = try #require(lines.first { $0.hasPrefix("stopped   ") })
        #expect(stop == "stopped   arp request last seen at host:br0, never reached host:veth-ct1", "\(stop)")
        // The table agrees: host:br0 saw the request, host:veth-ct1 is the marked miss.
        let row = { (label: String) in lines.first { $0.hasPrefix(label + " ") } ?? "" }
        #expect(row("host:br0").contains("→"))
        #expect(row("host:veth-ct1").contains("✗"))
        // A bridge device never shows a miss for unicast it forwards (it is captured without promiscuous mode).
        #expect(!row("ext:sw0").contains("✗") && !row("ext:sw0").contains("·"), "\(row("ext:sw0"))")
    }
}
