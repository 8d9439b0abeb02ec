import Foundation
import Testing

/// The `lxcdiag` executable SwiftPM builds next to the test bundle.
enum Binary {
    static var path: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("lxcdiag")
            .path
    }

    /// Runs `lxcdiag arguments...` (as nobody without capabilities with `asNobody`).
    @discardableResult
    static func run(
        _ arguments: [String],
        asNobody: Bool = false
    ) throws -> (status: Int32, output: String, error: String) {
        try command(
            asNobody ? ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", path] : [path],
            arguments
        )
    }

    static func command(
        _ program: [String],
        _ arguments: [String]
    ) throws -> (status: Int32, output: String, error: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program[0])
        process.arguments = Array(program.dropFirst()) + arguments
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }
}

/// The repository's own files (plans, schemas), found from this source file.
let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

/// A namespaces lab (`lab up --no-lxc`) of a unique name for one test, removed by `down()` in a `defer`.
struct CheckLab {
    let name = "lxcdiag-k" + String(UInt32.random(in: 0..<UInt32.max), radix: 36)
    var endpoints: String { "/run/lxcdiag/labs/\(name).endpoints.json" }

    func up() throws {
        let (status, _, error) = try Binary.run(["lab", "up", "--no-lxc", "--name", name])
        guard status == 0 else { throw LabFailure(message: "lab up: \(error)") }
    }

    func down() { _ = try? Binary.run(["lab", "down", "--name", name]) }

    func fault(_ verb: String, _ fault: String) throws {
        let (status, _, error) = try Binary.run(["lab", verb, fault, "--name", name])
        guard status == 0 else { throw LabFailure(message: "lab \(verb) \(fault): \(error)") }
    }

    /// `check --json` on `plans`: exit status and each result that did not pass, by name, with its codes.
    func check(
        _ plans: [String],
        extra: [String] = []
    ) throws -> (status: Int32, failed: [String: [String]], json: [String: Any]) {
        let (status, output, error) = try Binary.run(["check", "--endpoints", endpoints, "--json"] + extra + plans)
        guard let data = output.data(using: .utf8),
            let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let results = json["results"] as? [[String: Any]]
        else { throw LabFailure(message: "check printed no JSON (exit \(status)): \(error)") }
        var failed: [String: [String]] = [:]
        for result in results where result["result"] as? String != "pass" {
            failed["\(result["plan"]!): \(result["name"]!)"] = result["codes"] as? [String] ?? []
        }
        return (status, failed, json)
    }
}

struct LabFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

let isRoot = getuid() == 0

@Suite("lxcdiag check on the built-in lab", .serialized, .enabled(if: isRoot, "builds namespaces: root only"))
struct CheckLabTests {
    static let veth = "\(repository)/probes/lab-veth.yaml"
    static let macvlan = "\(repository)/probes/lab-macvlan.yaml"
    static let isolatedPlan = "\(repository)/probes/lab-private.yaml"

    /// Each fault, and exactly the expectations of lab-veth and lab-macvlan that it fails, each with the code
    /// that must be among its codes.
    static let faults: [(String, [String: String])] = [
        (
            "port-blocking",
            [
                "lab-veth: reach ext->ct1": "BRIDGE_PORT_NOT_FORWARDING",
                "lab-veth: reach host->ct1": "BRIDGE_PORT_NOT_FORWARDING",
                "lab-veth: reach ct1->ct2": "BRIDGE_PORT_NOT_FORWARDING",
                "lab-veth: mtu ext->ct1>=1500": "BRIDGE_PORT_NOT_FORWARDING",
                "lab-veth: latency ext->ct1<50ms": "BRIDGE_PORT_NOT_FORWARDING",
                "lab-veth: tcp ext->ct1:443": "BRIDGE_PORT_NOT_FORWARDING",
                "lab-veth: udp ext->ct1:443": "BRIDGE_PORT_NOT_FORWARDING",
                "lab-veth: no_findings error": "BRIDGE_PORT_NOT_FORWARDING",
                "lab-macvlan: reach ct1->ct3": "BRIDGE_PORT_NOT_FORWARDING",
            ]
        ),
        (
            "container-mtu",
            ["lab-veth: mtu ext->ct1>=1500": "MTU_MISMATCH", "lab-veth: no_findings error": "MTU_MISMATCH"]
        ),
        ("arp-flux", ["lab-veth: unique br0": "ARP_FLUX"]),
        // ICMP passes; only the port's expectation fails, named by the hop that dropped it or by the refusal.
        ("tcp-forward-drop", ["lab-veth: tcp ext->ct1:443": "NETFILTER_DROP"]),
        ("udp-input-drop", ["lab-veth: udp ext->ct1:443": "NETFILTER_DROP"]),
        (
            "closed-port",
            ["lab-veth: tcp ext->ct1:443": "NOTHING_LISTENS", "lab-veth: udp ext->ct1:443": "NOTHING_LISTENS"]
        ),
        (
            "duplicate-mac",
            [
                "lab-veth: reach ct1->ct2": "DUPLICATE_MAC", "lab-veth: unique br0": "DUPLICATE_MAC",
                "lab-veth: no_findings error": "DUPLICATE_MAC",
            ]
        ),
        (
            "macvlan-private",
            [
                "lab-macvlan: reach ct3->ct4": "MACVLAN_PRIVATE_MODE",
                "lab-macvlan: no_findings MACVLAN_PRIVATE_MODE,MACVLAN_VEPA_NO_HAIRPIN,MACVLAN_PARENT_ISOLATION":
                    "MACVLAN_PRIVATE_MODE",
            ]
        ),
    ]

    @Test(
        "the lab plans pass on a healthy lab; after each break exactly the right expectations fail, with the right code"
    )
    func breaks() throws {
        let lab = CheckLab()
        defer { lab.down() }
        try lab.up()
        let healthy = try lab.check([Self.veth, Self.macvlan])
        #expect(healthy.status == 0 && healthy.failed.isEmpty, "\(healthy.failed)")
        // The private plan is the other side: on a bridge-mode lab exactly its isolation fails.
        let notPrivate = try lab.check([Self.isolatedPlan])
        #expect(notPrivate.status == 1)
        #expect(
            notPrivate.failed == [
                "lab-private: isolated ct3->ct4": ["NOT_ISOLATED"], "lab-private: isolated ct4->ct3": ["NOT_ISOLATED"],
            ]
        )
        for (fault, expected) in Self.faults {
            try lab.fault("break", fault)
            // Two stations behind one MAC: the bridge sends the MAC's frames to whichever spoke last, so with
            // expectations in flight at once a trace to ct1 can lose to ct2's traffic of the same moment. One at a
            // time, each trace's own ARP answer moves the entry back first, and the outcome is exact.
            let broken = try lab.check(
                [Self.veth, Self.macvlan],
                extra: fault == "duplicate-mac" ? ["--jobs", "1"] : []
            )
            if fault == "macvlan-private" {
                let isolated = try lab.check([Self.isolatedPlan])
                #expect(
                    isolated.status == 0 && isolated.failed.isEmpty,
                    "lab-private after macvlan-private: \(isolated.failed)"
                )
            }
            try lab.fault("fix", fault)
            #expect(broken.status == 1, "\(fault)")
            // Two stations behind one MAC: which one a frame for ct2 reaches depends on who spoke last, so the
            // traces to ct2 may fail too; the rest must be exact.
            let maybe: Set<String> =
                fault == "duplicate-mac"
                ? ["lab-veth: reach ext->ct2", "lab-veth: mtu ext->ct2>=1500"] : []
            #expect(Set(broken.failed.keys).subtracting(maybe) == Set(expected.keys), "\(fault): \(broken.failed)")
            for (name, code) in expected {
                #expect(
                    broken.failed[name]?.contains(code) == true,
                    "\(fault): \(name) has \(broken.failed[name] ?? [])"
                )
            }
        }
    }

    @Test("record on a healthy lab, then check passes; after a break the drifted expectation fails")
    func recordThenCheck() throws {
        let lab = CheckLab()
        defer { lab.down() }
        try lab.up()
        let file = NSTemporaryDirectory() + "\(lab.name)-recorded.yaml"
        defer { unlink(file) }
        let (status, _, error) = try Binary.run(["record", "--endpoints", lab.endpoints, "--name", "rec", "-o", file])
        #expect(status == 0, "\(error)")
        let text = try String(contentsOfFile: file, encoding: .utf8)
        #expect(text.contains("reach: {from: ext, to: ct1}") && text.contains("isolated") == false)
        #expect(text.contains("link: br0"))
        let healthy = try lab.check([file])
        #expect(healthy.status == 0 && healthy.failed.isEmpty, "\(healthy.failed)")
        try lab.fault("break", "container-mtu")
        let drifted = try lab.check([file])
        try lab.fault("fix", "container-mtu")
        #expect(drifted.status == 1)
        #expect(
            drifted.failed.keys.sorted() == ["rec: mtu ext->ct1>=1500", "rec: no_findings error"],
            "\(drifted.failed)"
        )
        // Recorded while ct1's MTU is 1400: the mtu expectation asks for what the ends carry, and passes.
        try lab.fault("break", "container-mtu")
        let small = try Binary.run(["record", "--endpoints", lab.endpoints, "--name", "rec", "-o", file])
        let smallText = try String(contentsOfFile: file, encoding: .utf8)
        let smallCheck = try lab.check([file])
        try lab.fault("fix", "container-mtu")
        #expect(small.status == 0, "\(small.error)")
        #expect(smallText.contains("mtu: {from: ext, to: ct1, at_least: 1400}"), "\(smallText)")
        #expect(smallText.contains("mtu: {from: ext, to: ct2, at_least: 1500}"))
        #expect(smallCheck.status == 0 && smallCheck.failed.isEmpty, "\(smallCheck.failed)")
        // ct1's MAC drifts from the recorded one: every expectation towards ct1 fails naming it.
        let ct1 = "\(lab.name)-ct1"
        let mac = try Binary.command(["/usr/sbin/ip", "-n", ct1, "-br", "link", "show", "eth0"], [])
        let original = try #require(
            mac.output.split(separator: " ", omittingEmptySubsequences: true).dropFirst(2).first
        )
        _ = try Binary.command(["/usr/sbin/ip", "-n", ct1, "link", "set", "eth0", "address", "02:00:5e:10:99:99"], [])
        let moved = try lab.check([file])
        _ = try Binary.command(["/usr/sbin/ip", "-n", ct1, "link", "set", "eth0", "address", String(original)], [])
        #expect(moved.status == 1)
        for name in ["rec: reach ext->ct1", "rec: reach host->ct1", "rec: mtu ext->ct1>=1400"] {
            #expect(moved.failed[name]?.first == "DECLARED_MISMATCH", "\(name): \(moved.failed)")
        }
        #expect(moved.failed.keys.allSatisfy { $0.contains("ct1") || $0.contains("no_findings") }, "\(moved.failed)")
    }

    @Test(
        "JUnit, textfile and JSON read by junitparser, prometheus_client and jsonschema",
        .enabled(if: PythonCheckers.available)
    )
    func outputsParse() throws {
        let lab = CheckLab()
        defer { lab.down() }
        try lab.up()
        let folder = NSTemporaryDirectory() + lab.name
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try lab.fault("break", "port-blocking")
        let (status, output, _) = try Binary.run([
            "check", "--endpoints", lab.endpoints, "--json", "--junit", "\(folder)/check.xml", "--prometheus",
            "\(folder)/check.prom", Self.veth, Self.macvlan,
        ])
        try lab.fault("fix", "port-blocking")
        #expect(status == 1)
        try output.write(toFile: "\(folder)/check.json", atomically: true, encoding: .utf8)
        let verdict = try Binary.command(
            ["/usr/bin/env", "python3", "-c", PythonCheckers.script, folder, repository],
            []
        )
        #expect(verdict.status == 0, "\(verdict.error)")
        #expect(
            verdict.output
                == "junit 17 tests 9 failures\nprometheus 17 success samples, 8 ones, timestamp set\njson valid\n"
        )
    }

    @Test("trace --plan takes the plan's declared address as the intent: a trace to it names ADDRESS_NOT_CONFIGURED")
    func traceWithPlanIntent() throws {
        let lab = CheckLab()
        defer { lab.down() }
        try lab.up()
        let registry = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: lab.endpoints)))
        let entries = (registry as? [String: Any])?["endpoints"] as? [[String: Any]] ?? []
        let ct1 = try #require(entries.first { $0["name"] as? String == "ct1" })
        let address = try #require(ct1["ip"] as? String)
        let namespace = try #require(ct1["netns"] as? String)
        // An address in the lab's subnet that nobody holds.
        let intended = address.split(separator: ".").dropLast().joined(separator: ".") + ".99"
        let file = NSTemporaryDirectory() + "\(lab.name)-intent.yaml"
        defer { unlink(file) }
        try """
        version: 1
        name: intent
        endpoints:
          ct1: {netns: \(namespace), interface: eth0, ip: \(intended)}
        expect:
          - reach: {from: ext, to: ct1}
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let (status, output, error) = try Binary.run([
            "trace", "--from", "ext", "--to", "ct1", "--endpoints", lab.endpoints, "--plan", file, "--json",
        ])
        #expect(status == 1, "\(error)")
        #expect(output.contains("\"ip\": \"\(intended)\""))
        #expect(output.contains("ADDRESS_NOT_CONFIGURED"))
        let plain = try Binary.run(["trace", "--from", "ext", "--to", "ct1", "--endpoints", lab.endpoints])
        #expect(plain.status == 0, "\(plain.error)")
        let check = try lab.check([file])
        #expect(check.failed == ["intent: reach ext->ct1": ["ADDRESS_NOT_CONFIGURED", "target-silent"]])
    }

    @Test("a bad plan is refused before anything is checked: one line FILE:LINE:COLUMN, exit 2, even without root")
    func badPlans() throws {
        let folder = NSTemporaryDirectory() + "lxcdiag-badplans-\(getpid())"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        chmod(folder, 0o755)
        let good = "version: 1\nname: x\nexpect:\n  - reach: {from: host, to: netns:lxcdiag-nosuch}\n"
        var plans = BadPlans.all
        plans.append(("10 MB", String(repeating: "# padding\n", count: 1_048_576)))
        plans.append(("bad after a good one", good + "  - reach: {from: host, to: host}\n"))
        #expect(plans.count >= 20)
        for (index, (label, text)) in plans.enumerated() {
            let path = "\(folder)/plan\(index).yaml"
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            chmod(path, 0o644)
            for nobody in [false, true] {
                let (status, output, error) = try Binary.run(["check", path], asNobody: nobody)
                let lines = error.split(separator: "\n")
                #expect(status == 2, "\(label): exit \(status): \(error)")
                #expect(output.isEmpty, "\(label): printed \(output)")
                #expect(lines.count == 1, "\(label): \(error)")
                #expect(lines.first?.hasPrefix("lxcdiag: \(path):") == true, "\(label): \(error)")
                let place = lines.first.map { $0.dropFirst("lxcdiag: \(path):".count).split(separator: ":").prefix(2) }
                #expect(place?.count == 2 && place!.allSatisfy { Int($0) != nil }, "\(label): \(error)")
            }
        }
    }
}

/// Malformed plans of every kind (the parser's unit tests check each one's exact line and column).
enum BadPlans {
    static let all: [(String, String)] = [
        ("bad YAML", "version: 1\nname: [x\n"),
        ("tab", "version: 1\nname: x\nexpect:\n\t- reach: {from: a, to: b}\n"),
        ("empty", ""),
        ("a list", "- 1\n"),
        ("unknown top key", "version: 1\nname: x\nexpekt: []\n"),
        ("no version", "name: x\nexpect: [{reach: {from: host, to: ext}}]\n"),
        ("version 2", "version: 2\nname: x\nexpect: [{reach: {from: host, to: ext}}]\n"),
        ("version text", "version: \"1\"\nname: x\nexpect: []\n"),
        ("expect mapping", "version: 1\nname: x\nexpect: {reach: 1}\n"),
        ("unknown kind", "version: 1\nname: x\nexpect:\n  - ping: {from: host, to: ext}\n"),
        ("unknown key", "version: 1\nname: x\nexpect:\n  - reach: {from: host, to: ext, port: 1}\n"),
        ("missing to", "version: 1\nname: x\nexpect:\n  - reach: {from: host}\n"),
        ("mtu text", "version: 1\nname: x\nexpect:\n  - mtu: {from: host, to: ext, at_least: big}\n"),
        ("latency unitless", "version: 1\nname: x\nexpect:\n  - latency: {from: host, to: ext, under: 2}\n"),
        ("severity", "version: 1\nname: x\nexpect:\n  - no_findings: {severity: fatal}\n"),
        (
            "duplicate expectation",
            "version: 1\nname: x\nexpect:\n  - unique: {segment: br0}\n  - unique: {segment: br0}\n"
        ),
        ("duplicate key", "version: 1\nname: x\nname: y\nexpect: [{unique: {segment: br0}}]\n"),
        (
            "duplicate endpoint",
            "version: 1\nname: x\nendpoints:\n  a: {netns: n}\n  a: {netns: m}\nexpect: [{unique: {segment: br0}}]\n"
        ),
        ("bad ip", "version: 1\nname: x\nendpoints:\n  a: {netns: n, ip: 1.2.3}\nexpect: [{unique: {segment: b}}]\n"),
        (
            "unknown endpoints",
            "version: 1\nname: x\nexpect:\n  - reach: {from: host, to: lxcdiag-nosuch-a}\n"
                + "  - reach: {from: lxcdiag-nosuch-b, to: host}\n"
        ),
        ("not UTF-8", "version: 1\nname: \u{FFFD}\u{0}\n"),
    ]
}

/// The independent parsers the outputs are read with (PyPI: junitparser, prometheus-client, jsonschema).
enum PythonCheckers {
    static let available: Bool = {
        (try? Binary.command(
            ["/usr/bin/env", "python3", "-c", "import junitparser, prometheus_client, jsonschema"],
            []
        ))?
        .status == 0
    }()

    static let script = """
        import json, sys
        import jsonschema
        from junitparser import JUnitXml
        from prometheus_client.parser import text_string_to_metric_families
        folder, repo = sys.argv[1], sys.argv[2]
        xml = JUnitXml.fromfile(folder + "/check.xml")
        cases = [case for suite in xml for case in suite]
        failures = [case for case in cases if not case.is_passed]
        assert all(r.message for case in failures for r in case.result), "a failure without a message"
        print("junit %d tests %d failures" % (len(cases), len(failures)))
        families = {f.name: f for f in text_string_to_metric_families(open(folder + "/check.prom").read())}
        success = families["lxcdiag_check_success"].samples
        assert all(set(s.labels) == {"plan", "expectation", "kind", "from", "to"} for s in success)
        stamp = families["lxcdiag_check_last_run_timestamp_seconds"].samples[0].value
        print("prometheus %d success samples, %d ones, %s" % (len(success), sum(s.value == 1 for s in success),
              "timestamp set" if stamp > 1e9 else "no timestamp"))
        document = json.load(open(folder + "/check.json"))
        jsonschema.validate(document, json.load(open(repo + "/docs/check.schema.json")))
        print("json valid")
        """
}
