import ArgumentParser
import Containers
import KernelSettings
import LinuxNet
import Testing

@testable import lxcdiag

@Suite("lxcdiag path, endpoints and settings: arguments and help")
struct PathCommandTests {
    @Test("path help teaches: endpoint syntax, reasons, blocked by design, schema and examples")
    func pathHelp() {
        // Joined into one line: the wrapping column decides where lines break, not what they say.
        let help = LXCDiag.Path.helpMessage(columns: 120).split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(help.contains("iface:NAME"))
        #expect(help.contains("ip:ADDR"))
        #expect(help.contains("macvlan parent's own stack cannot reach its children"))
        #expect(help.contains("lxcdiag.path/1"))
        #expect(help.contains("lxcdiag path --from ext --to ct1"))
        #expect(help.contains("-n, --netns <NAME>"))
        #expect(help.contains("--endpoints <FILE>"))
    }

    @Test("endpoints help says containers are found from any namespace")
    func endpointsHelp() {
        let help = LXCDiag.Endpoints.helpMessage(columns: 120).split(whereSeparator: \.isWhitespace)
            .joined(separator: " ")
        #expect(help.contains("even when started from another network namespace"))
        #expect(help.contains("lxcdiag endpoints -n lab-host"))
    }

    @Test("settings help states the kernel's combining rules and where netfilter is read from")
    func settingsHelp() throws {
        let help = LXCDiag.Settings.helpMessage(columns: 120).split(whereSeparator: \.isWhitespace)
            .joined(separator: " ")
        #expect(help.contains("take the larger of all and interface"))
        #expect(help.contains("arp_filter and proxy_arp are on when either is"))
        #expect(help.contains("nft -j list ruleset"))
        #expect(try LXCDiag.Settings.parse(["host", "ct1", "--json"]).names == ["host", "ct1"])
    }

    @Test(
        "usage errors are found before any work",
        arguments: [
            ["--from", "ext"], ["--to", "ct1"], ["--from", "ct1", "--to", "ct1"],
            ["--from", "ext", "--to", "ct1", "-n", "../x"], ["--from", "ext", "--to", "ct1", "-n", ""],
        ]
    )
    func usageErrors(arguments: [String]) {
        #expect(throws: (any Error).self) { try LXCDiag.Path.parse(arguments) }
    }

    @Test("endpoints, a named host and an endpoint file parse")
    func parses() throws {
        let path = try LXCDiag.Path.parse([
            "--from", "iface:em2", "--to", "ct3", "--json", "-n", "lab-host", "--endpoints", "/tmp/e.json",
        ])
        #expect(path.from == "iface:em2" && path.to == "ct3" && path.json)
        #expect(path.endpoints.netns == "lab-host")
        #expect(path.endpoints.hostNamespace == .named("lab-host"))
        #expect(path.endpoints.endpointsFile == "/tmp/e.json")
        #expect(try LXCDiag.Path.parse(["--from", "a", "--to", "b"]).endpoints.hostNamespace == .current)
    }

    @Test("endpoint errors map to exit 2 when mistyped and 3 when the system is not ready")
    func exitCodes() {
        let typo = describe(EndpointError(endpoint: "ct9", kind: .unknown(known: ["ct1"])))
        #expect(typo.0 == "unknown endpoint 'ct9': known: ct1")
        #expect(typo.1 == .usage)
        #expect(describe(EndpointError(endpoint: "ct9", kind: .notRunning)).1 == .environment)
        let gone = EndpointError.Kind.noSuchInterface("eth0", available: ["lo"])
        // An interface, namespace or process that does not exist is the system's state, however it was named.
        #expect(describe(EndpointError(endpoint: "iface:eth0", kind: gone)).1 == .environment)
        let absent = EndpointError.Kind.noSuchNamespace("x", known: [])
        #expect(describe(EndpointError(endpoint: "netns:x", kind: absent)).1 == .environment)
        #expect(describe(EndpointError(endpoint: "ip:x", kind: .malformed(expected: "ip:ADDR"))).1 == .usage)
        #expect(describe(EndpointError(endpoint: "ct2", kind: gone)).1 == .environment)
        #expect(describe(KernelSettingsError(subject: "x", reason: "y")).1 == .environment)
    }
}

@Suite("trace tells a qualified duplicate name from --hop's PLACE@ADDRESS")
struct QualifiedNameArgumentTests {
    @Test("ct1@lab-b-ct1 is an endpoint; host@192.0.2.2 and netns:x/eth0 still need --hop")
    func qualified() throws {
        let trace = try LXCDiag.TraceCommand.parse(["--from", "ext", "--to", "ct1@lab-b-ct1"])
        #expect(trace.to == "ct1@lab-b-ct1")
        #expect(try LXCDiag.TraceCommand.parse(["--from", "ct1@pid:4001", "--to", "ext"]).from == "ct1@pid:4001")
        #expect(throws: (any Error).self) {
            try LXCDiag.TraceCommand.parse(["--from", "host@192.0.2.2", "--to", "ct1"])
        }
        #expect(throws: (any Error).self) { try LXCDiag.TraceCommand.parse(["--from", "netns:x/eth0", "--to", "ct1"]) }
    }
}
