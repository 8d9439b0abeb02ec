import Foundation
import Glibc
import JSONConvention
import LinuxNet
import PacketCodec
import Testing
import Topology

/// The built `lxcdiag` executable, next to the test bundle in the build directory.
enum LXCDiagBinary {
    static var path: String? {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("lxcdiag").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return nil
    }

    /// Runs `lxcdiag ARGUMENTS`; commands that read the endpoint file are pointed at none, so that a lab
    /// someone else left registered does not change what the test sees.
    static func run(_ arguments: [String]) throws -> CommandOutput {
        let noEndpoints = ["--endpoints", "/nonexistent/lxcdiag-t-endpoints.json"]
        // The tree's glyphs are printed in a UTF-8 locale; a C locale gets ASCII (asciiLocale below).
        let utf8 = ["/usr/bin/env", "LC_ALL=C.UTF-8"]
        return try ExternalCommand.run(utf8 + [try #require(path, "lxcdiag is not built")] + arguments + noEndpoints)
    }
}

@Suite("lxcdiag topo against a namespace lab", .enabled(if: getuid() == 0, "needs root"))
struct TopoCLITests {
    @Test("the text tree is plain ASCII when the locale is not UTF-8, and keeps its glyphs when it is")
    func asciiLocale() throws {
        let lab = try TopologyLab()
        defer { lab.tearDown() }
        let binary = try #require(LXCDiagBinary.path, "lxcdiag is not built")
        let arguments = [binary, "topo", "-n", lab.host, "--endpoints", "/nonexistent/lxcdiag-t-endpoints.json"]
        let plain = try ExternalCommand.run(["env", "LC_ALL=C"] + arguments)
        let utf8 = try ExternalCommand.run(["env", "LC_ALL=C.UTF-8"] + arguments)
        #expect(plain.status == 0 && utf8.status == 0)
        let allASCII = plain.standardOutput.unicodeScalars.allSatisfy { $0.isASCII }
        #expect(allASCII)
        #expect(plain.standardOutput.contains("`- ") && plain.standardOutput.contains("`- > "))
        #expect(utf8.standardOutput.contains("└─ ") && utf8.standardOutput.contains("→"))
        // Other namespaces come and go while the test runs; the host's line is the same in both.
        #expect(plain.standardOutput.split(separator: "\n").first == utf8.standardOutput.split(separator: "\n").first)
    }

    @Test("--json describes the lab as built, with warnings where the lab breaks things")
    func json() throws {
        let lab = try TopologyLab()
        defer { lab.tearDown() }
        let output = try LXCDiagBinary.run(["topo", "-n", lab.host, lab.ext] + lab.containers + ["--json"])
        #expect(output.status == 0, "\(output.standardError)")
        let document = try JSONDocuments.decode(TopologyDocument.self, from: Data(output.standardOutput.utf8))
        #expect(document.schema == "lxcdiag.topo/1")
        #expect(document.problems.isEmpty)
        // The host first, then the named namespaces in /run/netns order.
        #expect(document.namespaces.first?.node.name == "host")
        #expect(Set(document.namespaces.map(\.node.name)) == Set(["host", lab.ext] + lab.containers))
        #expect(document.problems.isEmpty)
        let topology = document.topology
        let host = try #require(topology.namespace(named: "host"))
        #expect(host.node.kind == .host && host.node.namespacePath == "/run/netns/\(lab.host)")
        let ports = ["em1": lab.ext, "vct1": lab.containers[0], "vct2": lab.containers[1], "vct5": lab.containers[4]]
        for (port, namespace) in ports {
            let link = try #require(host.link(named: port))
            #expect(link.kind == .veth && link.master?.name == "br0")
            #expect(link.peer?.node == namespace && link.peer?.name == "eth0")
        }
        for (container, mode) in [(lab.containers[2], MacvlanMode.bridge), (lab.containers[3], .private)] {
            let child = try #require(topology.namespace(named: container)?.link(named: "eth0"))
            #expect(child.macvlan?.mode == mode && child.parent == LinkReference(node: "host", index: 2, name: "br0"))
            #expect(child.mtu == 1400)
        }
        #expect(host.link(named: "vct2")?.bridgePort?.state == .disabled)
        #expect(host.addresses.contains { $0.interface.name == "br0" && $0.address.description == "192.0.2.1" })
        func codes(_ node: String, _ name: String) -> Set<String> {
            Set(document.warnings.filter { $0.interface.node == node && $0.interface.name == name }.map(\.code))
        }
        #expect(codes("host", "vct2").isSuperset(of: ["port-not-forwarding", "flooding-off", "learning-off"]))
        #expect(codes("host", "em1") == ["mtu-mismatch"])  // 1500 on a bridge at 1400 (vct5 pulls it down)
        #expect(codes("host", "vct5") == ["mtu-mismatch"])  // 1400 against its peer's 1500
        #expect(codes("host", "mvv") == ["link-down"])
        #expect(codes(lab.containers[0], "eth0").isEmpty)
    }

    @Test("the text tree shows ports, peers inside containers and inline warnings; --svg writes a picture")
    func textAndSVG() throws {
        let lab = try TopologyLab()
        defer { lab.tearDown() }
        let arguments = ["topo", "-n", lab.host, lab.ext] + lab.containers
        let text = try LXCDiagBinary.run(arguments)
        #expect(text.status == 0)
        let lines = text.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.first == "host  (host)")
        #expect(lines.contains { $0.contains("port  vct2  veth  disabled") })
        #expect(lines.contains { $0.contains("! bridge port is disabled, not forwarding") })
        #expect(lines.contains { $0.contains("→ \(lab.containers[0])  eth0  veth  up  mtu 1500  192.0.2.11/24") })
        #expect(lines.contains { $0.contains("→ \(lab.containers[2])  eth0  macvlan bridge") })
        let svg = FileManager.default.temporaryDirectory.appendingPathComponent("lxcdiag-t-topo-\(getpid()).svg")
        defer { try? FileManager.default.removeItem(at: svg) }
        let rendered = try LXCDiagBinary.run(arguments + ["--svg", svg.path])
        #expect(rendered.status == 0, "\(rendered.standardError)")
        let picture = try String(contentsOf: svg, encoding: .utf8)
        // Graphviz writes "-" in text as "&#45;".
        let clusterLabel = lab.containers[3].replacingOccurrences(of: "-", with: "&#45;") + " (netns)"
        #expect(picture.contains("<svg") && picture.contains(clusterLabel))
    }

    @Test("not root exits 3; a missing host namespace exits 3, an unknown name 2, listing what exists")
    func errors() throws {
        let binary = try #require(LXCDiagBinary.path)
        let unprivileged = try ExternalCommand.run([
            "setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", binary, "topo",
        ])
        #expect(unprivileged.status == 3)
        #expect(unprivileged.standardError.contains("needs root"))
        let missing = try LXCDiagBinary.run(["topo", "-n", "lxcdiag-t-no-such-host"])
        // As every command that takes -n: a namespace that does not exist is the environment's (3), naming those
        // there are.
        #expect(missing.status == 3)
        #expect(missing.standardError.contains("netns lxcdiag-t-no-such-host does not exist"))
        let lab = try TopologyLab()
        defer { lab.tearDown() }
        let unknown = try LXCDiagBinary.run(["topo", "-n", lab.host, "lxcdiag-t-not-there"])
        let whole = try LXCDiagBinary.run(["topo", "-n", lab.host, "--json"])
        #expect(whole.status == 0)
        let document = try JSONDocuments.decode(TopologyDocument.self, from: Data(whole.standardOutput.utf8))
        // Unfiltered, -n's own entry under /run/netns is the host's alias, not a second node.
        #expect(document.namespaces.first?.node.aliases == [lab.host])
        #expect(!document.namespaces.dropFirst().contains { $0.node.name == lab.host })
        #expect(unknown.status == 2)
        #expect(unknown.standardError.contains("no container, endpoint or namespace lxcdiag-t-not-there"))
        #expect(unknown.standardError.contains(lab.ext))
    }
}
