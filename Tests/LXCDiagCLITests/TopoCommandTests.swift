import ArgumentParser
import Testing

@testable import lxcdiag

@Suite("lxcdiag topo: arguments and help")
struct TopoCommandTests {
    @Test("help teaches: what it shows, warnings, -n, JSON schema and an example")
    func help() {
        let help = LXCDiag.Topo.helpMessage(columns: 120)
        #expect(help.contains("host -> uplinks -> bridges -> ports"))
        #expect(help.contains("-n, --netns <NAME>"))
        #expect(help.contains("lxcdiag.topo/1"))
        #expect(help.contains("sudo lxcdiag topo --svg wiring.svg"))
        #expect(help.contains("\"↳\""))
        #expect(help.contains("--no-scan"))
        #expect(help.contains("--endpoints <FILE>"))
        #expect(help.contains("running LXC"))
    }

    @Test(
        "usage errors are found before any work",
        arguments: [
            ["--json", "--dot"], ["-n", "../etc"], ["-n", ""], ["--svg", ""], ["--no-scan", "ct1"],
        ]
    )
    func usageErrors(arguments: [String]) {
        #expect(throws: (any Error).self) { try LXCDiag.Topo.parse(arguments) }
    }

    @Test("a plain invocation, a named host and selected namespaces parse")
    func parses() throws {
        let plain = try LXCDiag.Topo.parse([])
        #expect(plain.endpoints.netns == nil && !plain.json && plain.only.isEmpty)
        let named = try LXCDiag.Topo.parse(["-n", "lab-host", "ct1", "ct2", "--json"])
        #expect(named.endpoints.netns == "lab-host" && named.json && named.only == ["ct1", "ct2"])
        #expect(try LXCDiag.Topo.parse(["--svg", "/tmp/x.svg"]).svg == "/tmp/x.svg")
    }
}
