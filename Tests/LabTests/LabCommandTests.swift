import Foundation
import JSONConvention
import LinuxNet
import PacketCodec
import TestSupport
import Testing

@testable import Lab

@Suite("lxcdiag lab up/status/down as a user runs them", .serialized, .enabled(if: getuid() == 0, "needs root"))
struct LabCommandTests {
    @Test("up, status --json (field by field), down, and the exit codes of each")
    func upStatusDown() throws {
        let test = TestLab(backend: .namespaces)
        defer { test.tearDown() }
        let name = test.configuration.name
        let up = try LXCDiagExecutable.run(["lab", "up", "--no-lxc", "--macvlan-mode", "private", "--name", name])
        #expect(up.status == 0, "\(up.error)")
        #expect(up.output.hasPrefix("lab \(name): built in "))
        #expect(
            up.output.contains(
                "endpoints ext, host, ct1, ct2, ct3, ct4 registered in \(test.configuration.endpointsPath)"
            )
        )

        let json = try LXCDiagExecutable.run(["lab", "status", "--json", "--name", name])
        #expect(json.status == 0)
        let decoded = try JSONDocuments.decode(LabStatus.self, from: Data(json.output.utf8))
        let direct = try test.lab.status()
        #expect(decoded.name == name)
        #expect(decoded.condition == .up)
        #expect(decoded.backend == .namespaces)
        #expect(decoded.macvlanMode == .private)
        #expect(decoded.namespaces == direct.namespaces)
        #expect(decoded.nodes.map(\.name) == ["ext", "host", "ct1", "ct2", "ct3", "ct4"])
        let net = try #require(try LabState.load(from: test.configuration.statePath)).addressing
        #expect(decoded.subnet == net.subnet.description)
        #expect(
            decoded.nodes.map(\.addresses) == [[net.cidr(net.external)], [net.cidr(net.host)]]
                + (1...4).map { [net.cidr(net.container($0))] }
        )
        #expect(decoded.nodes.map(\.mac) == direct.nodes.map(\.mac))
        #expect(decoded.problems == [])

        let text = try LXCDiagExecutable.run(["lab", "status", "--name", name])
        #expect(text.status == 0)
        #expect(
            text.output.hasPrefix(
                "lab \(name): up (plain network namespaces, macvlan mode private, subnet \(net.subnet))\n"
            )
        )
        #expect(text.output.contains("macvlan (private) on br0"))
        #expect(text.output.hasSuffix("problems: none\n"))

        let down = try LXCDiagExecutable.run(["lab", "down", "--name", name])
        #expect(down.status == 0)
        #expect(down.output.hasPrefix("lab \(name): removed namespaces \(name)-ext, \(name)-host"))
        #expect(try test.leftovers() == [])
        let again = try LXCDiagExecutable.run(["lab", "down", "--name", name])
        #expect(again.status == 0)
        #expect(again.output == "lab \(name): nothing to remove\n")
        let absent = try LXCDiagExecutable.run(["lab", "status", "--name", name])
        #expect(absent.status == 1)
    }

    @Test("a partial lab makes status exit 1 and name the problem")
    func partialStatus() throws {
        let test = TestLab(backend: .namespaces)
        defer { test.tearDown() }
        _ = try test.lab.up()
        try ExternalCommand.check([
            "ip", "-n", test.configuration.containerNamespace("ct2"), "link", "set", "eth0", "down",
        ])
        let status = try LXCDiagExecutable.run(["lab", "status", "--name", test.configuration.name])
        #expect(status.status == 1)
        #expect(status.output.contains("lab \(test.configuration.name): partial"))
        #expect(status.output.contains("  - ct2: eth0 is down"))
    }

    @Test("without root every lab command is one line naming the fix, exit 3, and touches nothing")
    func notRoot() throws {
        for command in ["up", "down", "status"] {
            let result = try LXCDiagExecutable.run(["lab", command, "--name", "lxcdiag-tnobody"], asNobody: true)
            #expect(result.status == 3)
            #expect(
                result.error
                    == "lxcdiag: lxcdiag lab \(command) needs root or the capabilities CAP_NET_ADMIN, CAP_NET_RAW, "
                    + "CAP_SYS_ADMIN; run it with sudo\n"
            )
        }
        #expect(try TestLab(name: "lxcdiag-tnobody").leftovers() == [])
    }

    @Test("a taken name is one line on stderr naming the namespace and the fix, exit 3")
    func takenName() throws {
        let test = TestLab(backend: .namespaces)
        defer { test.tearDown() }
        let foreign = test.configuration.externalNamespace
        try ExternalCommand.check(["ip", "netns", "add", foreign])
        defer { _ = try? ExternalCommand.run(["ip", "netns", "del", foreign]) }
        let up = try LXCDiagExecutable.run(["lab", "up", "--no-lxc", "--name", test.configuration.name])
        #expect(up.status == 3)
        #expect(up.output.isEmpty)
        #expect(up.error.split(separator: "\n").count == 1)
        #expect(up.error.contains("network namespace \(foreign) exists but was not made by this lab"))
        #expect(up.error.contains("ip netns del \(foreign)"))
    }
}

@Suite("lxcdiag lab help")
struct LabHelpTests {
    @Test("help teaches: the topology, the example, the exit codes, the advanced --name option")
    func help() throws {
        let lab = try LXCDiagExecutable.run(["lab", "--help"])
        #expect(lab.status == 0)
        #expect(lab.output.contains("lxcdiag-host  br0 (no address, STP off)"))
        #expect(lab.output.contains("lxcdiag lab up && lxcdiag lab status && lxcdiag lab down"))
        #expect(lab.output.contains("ip netns exec lxcdiag-host lxc-ls -f"))
        let up = try LXCDiagExecutable.run(["lab", "up", "--help"])
        #expect(up.output.contains("ADVANCED OPTIONS:"))
        #expect(up.output.contains("--macvlan-mode <macvlan-mode>"))
        #expect(up.output.contains("--lxc/--no-lxc"))
        let status = try LXCDiagExecutable.run(["lab", "status", "--help"])
        #expect(status.output.contains("Exit status: 0 when the lab is complete, 1 when it is partial or absent"))
    }

    @Test("usage errors exit 2 before any work: a bad lab name, an unknown macvlan mode")
    func usageErrors() throws {
        let badName = try LXCDiagExecutable.run(["lab", "up", "--name", "Bad"])
        #expect(badName.status == 2)
        #expect(badName.error.contains("lab name 'Bad' is not valid"))
        let badMode = try LXCDiagExecutable.run(["lab", "up", "--macvlan-mode", "hairpin"])
        #expect(badMode.status == 2)
        #expect(badMode.error.contains("use one of bridge, private, vepa, passthru"))
    }
}
