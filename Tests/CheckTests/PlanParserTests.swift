import Foundation
import Plan
import Testing

@Suite("Plan parser")
struct PlanParserTests {
    @Test("the issue's example plan parses into its expectations, with lines and default names")
    func issueExample() throws {
        let text = """
            version: 1
            name: lab-veth
            host: lxcdiag-host
            endpoints:
              ext: {netns: lxcdiag-ext, interface: eth0, ip: 192.0.2.1}
              ct1: {container: ct1, interface: eth0, ip: 192.0.2.11, mac: "00:16:3E:00:00:11", link: br0}
            expect:
              - reach: {from: ext, to: ct1}
              - isolated: {from: ct3, to: ct4}
              - mtu: {from: ext, to: ct1, at_least: 1500}
              - latency: {from: ext, to: ct1, under: 2ms}
              - unique: {segment: br0}
              - no_findings: {severity: error}
              - name: no flux
                no_findings: {codes: [ARP_FLUX, STALE_NEIGHBOUR]}
            """
        let plan = try PlanParser.parse(text, file: "p.yaml")
        #expect(plan.name == "lab-veth" && plan.host == "lxcdiag-host")
        #expect(plan.endpoints.map(\.name) == ["ext", "ct1"])
        #expect(plan.endpoints[1].mac == "00:16:3e:00:00:11" && plan.endpoints[1].link == "br0")
        #expect(
            plan.expectations.map(\.name) == [
                "reach ext->ct1", "isolated ct3->ct4", "mtu ext->ct1>=1500", "latency ext->ct1<2ms", "unique br0",
                "no_findings error", "no flux",
            ]
        )
        #expect(plan.expectations[3].check == .latency(from: "ext", to: "ct1", underNs: 2_000_000))
        #expect(plan.expectations[6].check == .noFindings(severity: "info", codes: ["ARP_FLUX", "STALE_NEIGHBOUR"]))
        #expect(plan.expectations[0].location == SourceLocation(file: "p.yaml", line: 8, column: 5))
        #expect(plan.expectations[1].references.map(\.name) == ["ct3", "ct4"])
    }

    /// Each malformed plan, the line and column its error names, and a word its message holds.
    static let malformed: [(String, String, Int, Int, String)] = [
        ("bad YAML", "version: 1\nname: [x\n", 3, 1, "bad YAML"),
        ("tab indentation", "version: 1\nname: x\nexpect:\n\t- reach: {from: a, to: b}\n", 4, 1, "bad YAML"),
        ("empty file", "", 1, 1, "empty"),
        ("a list at the top", "- reach: {}\n", 1, 1, "mapping"),
        ("unknown top key", "version: 1\nname: x\nexpekt: []\n", 3, 1, "unknown key 'expekt'"),
        ("missing version", "name: x\nexpect: [{reach: {from: a, to: b}}]\n", 1, 1, "needs version"),
        ("version 2", "version: 2\nname: x\nexpect: [{reach: {from: a, to: b}}]\n", 1, 10, "not supported"),
        ("version as text", "version: \"1\"\nname: x\nexpect: []\n", 1, 10, "whole number"),
        ("expect not a list", "version: 1\nname: x\nexpect: {reach: 1}\n", 3, 9, "must be a list"),
        ("empty expect", "version: 1\nname: x\nexpect: []\n", 3, 9, "empty"),
        (
            "unknown expectation", "version: 1\nname: x\nexpect:\n  - ping: {from: a, to: b}\n", 4, 5,
            "unknown expectation 'ping'"
        ),
        (
            "two kinds in one item", "version: 1\nname: x\nexpect:\n  - {reach: {from: a, to: b}, mtu: {}}\n", 4, 5,
            "one of"
        ),
        (
            "unknown key in reach", "version: 1\nname: x\nexpect:\n  - reach: {from: a, to: b, port: 1}\n", 4, 29,
            "unknown key 'port'"
        ),
        ("missing to", "version: 1\nname: x\nexpect:\n  - reach: {from: a}\n", 4, 12, "needs to:"),
        ("from a list", "version: 1\nname: x\nexpect:\n  - reach: {from: [a], to: b}\n", 4, 19, "single value"),
        ("same ends", "version: 1\nname: x\nexpect:\n  - reach: {from: a, to: a}\n", 4, 26, "same endpoint"),
        (
            "mtu as text", "version: 1\nname: x\nexpect:\n  - mtu: {from: a, to: b, at_least: big}\n", 4, 37,
            "whole number"
        ),
        (
            "mtu too small", "version: 1\nname: x\nexpect:\n  - mtu: {from: a, to: b, at_least: 10}\n", 4, 37,
            "between 68"
        ),
        (
            "latency without unit", "version: 1\nname: x\nexpect:\n  - latency: {from: a, to: b, under: 2}\n", 4, 38,
            "duration"
        ),
        ("severity unknown", "version: 1\nname: x\nexpect:\n  - no_findings: {severity: fatal}\n", 4, 29, "not one of"),
        (
            "code lower case", "version: 1\nname: x\nexpect:\n  - no_findings: {codes: [arp_flux]}\n", 4, 27,
            "finding code"
        ),
        (
            "severity and codes", "version: 1\nname: x\nexpect:\n  - no_findings: {severity: error, codes: [A]}\n", 4,
            18, "not both"
        ),
        (
            "duplicate expectation",
            "version: 1\nname: x\nexpect:\n  - reach: {from: a, to: b}\n  - reach: {from: a, to: b}\n",
            5, 5, "duplicate expectation name"
        ),
        (
            "duplicate key", "version: 1\nname: x\nname: y\nexpect: [{reach: {from: a, to: b}}]\n", 3, 1,
            "duplicate key 'name'"
        ),
        (
            "duplicate endpoint",
            "version: 1\nname: x\nendpoints:\n  a: {netns: n}\n  a: {netns: m}\nexpect: [{unique: {segment: br0}}]\n",
            5, 3, "duplicate key 'a'"
        ),
        (
            "endpoint with both",
            "version: 1\nname: x\nendpoints:\n  a: {netns: n, container: c}\nexpect: [{unique: {segment: b}}]\n",
            4, 6, "both"
        ),
        (
            "bad ip", "version: 1\nname: x\nendpoints:\n  a: {netns: n, ip: 1.2.3}\nexpect: [{unique: {segment: b}}]\n",
            4, 21, "IPv4"
        ),
        (
            "bad mac", "version: 1\nname: x\nendpoints:\n  a: {netns: n, mac: zz}\nexpect: [{unique: {segment: b}}]\n",
            4, 22, "MAC"
        ),
        (
            "port out of range", "version: 1\nname: x\nexpect:\n  - tcp: {from: a, to: b, port: 70000}\n", 4, 33,
            "between 1 and 65535"
        ),
    ]

    @Test("every malformed plan is refused with its line and column", arguments: malformed.indices)
    func refused(_ index: Int) {
        let (label, text, line, column, words) = Self.malformed[index]
        do {
            _ = try PlanParser.parse(text, file: "bad.yaml")
            Issue.record("\(label): parsed")
        } catch {
            #expect(
                error.location == SourceLocation(file: "bad.yaml", line: line, column: column),
                "\(label): \(error)"
            )
            #expect(error.message.contains(words), "\(label): \(error)")
            #expect(!error.description.contains("\n"), "\(label): more than one line")
        }
    }

    @Test("a plan over 1 MiB is refused before YAML sees it")
    func tooLarge() {
        let bytes = Data(repeating: UInt8(ascii: "#"), count: 10 << 20)
        #expect(
            throws: PlanError(
                SourceLocation(file: "big.yaml", line: 1, column: 1),
                "the plan is 10485760 bytes; a plan may be at most 1048576 bytes"
            )
        ) {
            try PlanParser.parse(bytes, file: "big.yaml")
        }
    }

    @Test("every unknown endpoint is named at once, each with its place")
    func unknownEndpoints() throws {
        let plan = try PlanParser.parse(
            "version: 1\nname: x\nendpoints:\n  mine: {netns: n}\nexpect:\n  - reach: {from: ext, to: ct9}\n"
                + "  - reach: {from: mine, to: ct8}\n  - reach: {from: ct9, to: ext}\n",
            file: "u.yaml"
        )
        #expect(
            throws: PlanError(
                SourceLocation(file: "u.yaml", line: 6, column: 28),
                "unknown endpoints 'ct9' (6:28), 'ct8' (7:29), 'ct9' (8:19); known: mine, ext, ct1"
            )
        ) {
            try PlanEndpoints.check(plan, known: ["ext", "ct1"]) { ["ext", "ct1"].contains($0) }
        }
    }

    @Test("durations: ns, us, ms, s, m; junk refused")
    func durations() {
        #expect(PlanDuration.nanoseconds("2ms") == 2_000_000)
        #expect(PlanDuration.nanoseconds("1.5s") == 1_500_000_000)
        #expect(PlanDuration.nanoseconds("500us") == 500_000)
        #expect(PlanDuration.nanoseconds("2m") == 120_000_000_000)
        #expect(PlanDuration.nanoseconds("0s") == 0)
        for junk in ["2", "ms", "-1s", "1e3s", "2 ms", "1..2s", "inf s"] {
            #expect(PlanDuration.nanoseconds(junk) == nil, "\(junk)")
        }
        #expect(PlanDuration.text(nanoseconds: 2_000_000) == "2ms")
        #expect(PlanDuration.text(nanoseconds: 1_500_000) == "1500us")
    }
}
