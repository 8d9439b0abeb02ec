import Check
import Foundation
import Plan
import Testing

@Suite("Check outputs and the plan writer")
struct RenderersTests {
    static let at = SourceLocation(file: "p.yaml", line: 3, column: 5)

    static func run() -> (CheckRun, [Plan]) {
        let reach = Expectation(name: "reach \"a\"->b & <c>", check: .reach(from: "a", to: "b"), location: at)
        let unique = Expectation(check: .unique(segment: "br0", allow: []), location: at)
        let plan = Plan(file: "p.yaml", name: "p", expectations: [reach, unique])
        let finding = FindingSummary(
            code: "LINK_DOWN",
            severity: "error",
            location: "ct1:eth0",
            summary: "down",
            fix: "ip link set eth0 up"
        )
        let results = [
            ExpectationResult(
                planName: "p",
                planFile: "p.yaml",
                expectation: reach,
                outcome: ExpectationOutcome(
                    status: .fail,
                    message: "unreachable",
                    codes: ["LINK_DOWN"],
                    findings: [finding]
                ),
                attempts: 2,
                durationNs: 1_500_000_000
            ),
            ExpectationResult(
                planName: "p",
                planFile: "p.yaml",
                expectation: unique,
                outcome: ExpectationOutcome(status: .pass, message: "ok"),
                attempts: 1,
                durationNs: 2_000_000
            ),
        ]
        return (CheckRun(results: results, durationNs: 1_600_000_000), [plan])
    }

    @Test("the textfile escapes label values and has one sample per expectation and family")
    func prometheus() {
        let (run, plans) = Self.run()
        let text = CheckRenderers.prometheus(run, plans: plans, finishedAt: Date(timeIntervalSince1970: 1_800_000_000))
        #expect(
            text.contains(
                #"lxcdiag_check_success{plan="p",expectation="reach \"a\"->b & <c>",kind="reach",from="a",to="b"} 0"#
            )
        )
        #expect(
            text.contains(#"lxcdiag_check_success{plan="p",expectation="unique br0",kind="unique",from="",to=""} 1"#)
        )
        #expect(text.contains(#"lxcdiag_check_attempts{plan="p",expectation="reach \"a\"->b & <c>""#))
        #expect(text.contains(#"lxcdiag_check_last_run_timestamp_seconds{plan="p"} 1800000000.000"#))
    }

    @Test("JUnit escapes names and puts the finding's summary and fix in the failure message")
    func junit() {
        let (run, plans) = Self.run()
        let xml = CheckRenderers.junit(run, plans: plans, startedAt: Date(timeIntervalSince1970: 0))
        #expect(xml.contains(#"<testcase name="reach &quot;a&quot;-&gt;b &amp; &lt;c&gt;" classname="p.reach""#))
        #expect(xml.contains(#"<failure message="LINK_DOWN: down; fix: ip link set eth0 up" type="LINK_DOWN">"#))
        #expect(xml.contains(#"<testsuite name="p" tests="2" failures="1" errors="0""#))
    }

    @Test("TAP numbers every expectation and explains a failure")
    func tap() {
        let (run, _) = Self.run()
        let text = CheckRenderers.tap(run)
        #expect(text.hasPrefix("TAP version 13\n1..2\nnot ok 1 - p: reach \"a\"->b & <c>\n  ---\n  result: fail\n"))
        #expect(text.contains("ok 2 - p: unique br0\n"))
    }

    @Test("a written plan reads back into the same plan")
    func roundTrip() throws {
        let checks: [Requirement] = [
            .reach(from: "ext", to: "ct1"), .isolated(from: "ct3", to: "ct4"),
            .mtu(from: "ext", to: "ct1", atLeast: 1500),
            .latency(from: "ext", to: "ct1", underNs: 1_500_000), .unique(segment: "br0", allow: ["host:br0"]),
            .noFindings(severity: "error", codes: []), .noFindings(severity: "info", codes: ["ARP_FLUX"]),
            .tcp(from: "ext", to: "netns:x", port: 22),
        ]
        let endpoints = [
            DeclaredEndpoint(
                name: "ct1",
                container: "ct1",
                interface: "eth0",
                ip: "198.51.100.11",
                mac: "00:16:3e:00:00:11",
                link: "br0",
                location: Self.at
            ),
            DeclaredEndpoint(name: "yes", netns: "1", location: Self.at),
        ]
        let plan = Plan(
            file: "w.yaml",
            name: "written",
            endpoints: endpoints,
            expectations: checks.map { Expectation(check: $0, location: Self.at) }
        )
        let back = try PlanParser.parse(PlanWriter.yaml(plan, header: ["a comment"]), file: "w.yaml")
        #expect(back.expectations.map(\.check) == checks)
        #expect(back.endpoints.map(\.name) == ["ct1", "yes"])
        #expect(back.endpoints[0].mac == "00:16:3e:00:00:11" && back.endpoints[1].netns == "1")
    }
}

@Suite("Check's table: a fix that runs as printed is fix:, advice is check:")
struct FixLabelTests {
    static func run(fixIsCommand: Bool) -> CheckRun {
        let reach = Expectation(check: .tcp(from: "ext", to: "ct1", port: 443), location: RenderersTests.at)
        let finding = FindingSummary(
            code: "NOTHING_LISTENS",
            severity: "error",
            location: "ct1:eth0",
            summary: "nothing listens on TCP 443",
            fix: fixIsCommand ? "ip netns exec ct1 nft flush ruleset" : "Start the service that should answer",
            fixIsCommand: fixIsCommand
        )
        let outcome = ExpectationOutcome(status: .fail, message: "refused", codes: [finding.code], findings: [finding])
        let result = ExpectationResult(
            planName: "p",
            planFile: "p.yaml",
            expectation: reach,
            outcome: outcome,
            attempts: 1,
            durationNs: 1_000_000
        )
        return CheckRun(results: [result], durationNs: 1_000_000)
    }

    @Test("advice is printed under check:, a command under fix:", arguments: [true, false])
    func label(fixIsCommand: Bool) {
        let reach = Self.run(fixIsCommand: fixIsCommand)
        let plan = Plan(file: "p.yaml", name: "p", expectations: reach.results.map(\.expectation))
        let text = CheckRenderers.table(reach, plans: [plan])
        #expect(text.contains(fixIsCommand ? "    fix: ip netns exec" : "    check: Start the service"))
        #expect(!text.contains(fixIsCommand ? "check:" : "fix:"))
    }
}
