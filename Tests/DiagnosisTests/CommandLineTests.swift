import Diagnosis
import Foundation
import LabFaults
import LinuxNet
import NetworkModel
import TestSupport
import Testing

/// `lxcdiag doctor` and `lxcdiag lab break/fix` as a user runs them (the executable built next to the tests).
@Suite("doctor and lab break/fix on the command line")
struct CommandLineTests {
    static var executable: String { LXCDiagExecutable.path }

    private func lxcdiag(_ arguments: String...) throws -> CommandOutput {
        try ExternalCommand.run([Self.executable] + arguments)
    }

    @Test("lab break --list shows every fault with its code")
    func list() throws {
        let output = try lxcdiag("lab", "break", "--list")
        #expect(output.status == 0)
        let lines = output.standardOutput.split(separator: "\n")
        #expect(lines.count == LabFaultCatalogue.all.count)
        for fault in LabFaultCatalogue.all {
            #expect(lines.contains { $0.hasPrefix(fault.name + " ") && $0.contains(fault.code.rawValue) })
        }
    }

    @Test("usage errors exit 2 before any work")
    func usage() throws {
        #expect(try lxcdiag("lab", "break", "no-such-fault").status == 2)
        #expect(try lxcdiag("lab", "break").status == 2)
        #expect(try lxcdiag("lab", "fix").status == 2)
        #expect(try lxcdiag("lab", "fix", "port-blocking", "--all").status == 2)
        #expect(try lxcdiag("doctor", "--netns", "a/b").status == 2)
    }

    @Test("--hop: only with loss and delay, a well-formed [host:|ext:]IFACE, one line and exit 2 otherwise")
    func hopUsage() throws {
        let wrongFault = try lxcdiag("lab", "break", "port-blocking", "--hop", "em1")
        #expect(wrongFault.status == 2)
        #expect(wrongFault.standardError.contains("--hop goes with loss, delay, not port-blocking"))
        for bad in ["ct1:eth0", "a:b:c", "host:", "host:has space"] {
            let run = try lxcdiag("lab", "break", "delay", "--hop", bad)
            #expect(run.status == 2, "\(bad)")
            #expect(run.standardError.contains("--hop '\(bad)'"), "\(bad): \(run.standardError)")
        }
        #expect(try FaultHop.parse("ext:sw-em1").get() == FaultHop(node: "ext", interface: "sw-em1"))
        #expect(try FaultHop.parse("veth-ct2").get() == FaultHop(node: nil, interface: "veth-ct2"))
        let loss = try #require(LabFaultCatalogue.fault(named: "loss"))
        #expect(loss.traceTarget(at: FaultHop(node: nil, interface: "veth-ct2")) == "ct2")
        #expect(loss.traceTarget(at: FaultHop(node: "host", interface: "em1")) == "ct1")
        #expect(loss.summary(at: FaultHop(node: "ext", interface: "sw-em1")).hasPrefix("netem on ext:sw-em1 drops 30%"))
    }

    @Test(
        "lab break loss/delay --hop --dry-run: netem on the named hop's namespace; an interface the lab lacks exits 3",
        .enabled(if: getuid() == 0, "needs root")
    )
    func hopDryRun() throws {
        let lab = try FaultLab()
        defer { lab.tearDown() }
        let name = lab.layout.name
        let delay = try lxcdiag("lab", "break", "delay", "--hop", "ext:sw-em1", "--dry-run", "--name", name)
        #expect(delay.status == 0)
        #expect(delay.standardOutput == "tc -n \(name)-ext qdisc add dev sw-em1 root netem delay 50ms\n")
        let bare = try lxcdiag("lab", "break", "loss", "--hop", "em1", "--dry-run", "--name", name)
        #expect(bare.standardOutput == "tc -n \(name)-host qdisc add dev em1 root netem loss 30%\n")
        let standard = try lxcdiag("lab", "break", "loss", "--dry-run", "--name", name)
        #expect(standard.standardOutput == "tc -n \(name)-host qdisc add dev veth-ct1 root netem loss 30%\n")
        let missing = try lxcdiag("lab", "break", "loss", "--hop", "host:nosuch0", "--dry-run", "--name", name)
        #expect(missing.status == 3)
        #expect(missing.standardError.contains("no interface nosuch0 in lab \(name)'s host namespace"))
        #expect(missing.standardError.split(separator: "\n").count == 1)
    }

    @Test("help teaches with an example")
    func help() throws {
        for command in [["doctor"], ["lab", "break"], ["lab", "fix"]] {
            let output = try ExternalCommand.run([Self.executable] + command + ["--help"])
            #expect(output.standardOutput.contains("Example"), "\(command)")
        }
    }

    @Test(
        "doctor --json on a lab with a blocked port: lxcdiag.doctor/1, the finding, exit 1; lab fix --all undoes it",
        .enabled(if: getuid() == 0, "needs root")
    )
    func doctorJSON() throws {
        let lab = try FaultLab()
        defer { lab.tearDown() }
        let parts = ["ext", "ct1", "ct2", "ct3", "ct4"].map(lab.netns)
        // The default state directory, as a user's `lab break` uses it.
        let broken = try ExternalCommand.run(
            [Self.executable, "lab", "break", "port-blocking", "--name", lab.layout.name]
        )
        #expect(broken.status == 0, "\(broken.standardError)")
        defer { _ = try? ExternalCommand.run([Self.executable, "lab", "fix", "--all", "--name", lab.layout.name]) }
        let output = try ExternalCommand.run(
            [Self.executable, "doctor", "--json", "-n", lab.netns("host")] + parts
        )
        #expect(output.status == 1)
        let document = try JSONSerialization.jsonObject(with: Data(output.standardOutput.utf8)) as? [String: Any]
        #expect(document?["schema"] as? String == "lxcdiag.doctor/1")
        #expect((document?["inspected"] as? [String])?.count == 6)
        let findings = document?["findings"] as? [[String: Any]] ?? []
        let blocked = findings.first { $0["code"] as? String == "BRIDGE_PORT_NOT_FORWARDING" }
        #expect(blocked?["severity"] as? String == "error")
        #expect((blocked?["where"] as? [String: String]) == ["node": "host", "interface": "veth-ct1"])
        // `-n` made the lab's host namespace the host: the fix must still run there, not where lxcdiag runs.
        #expect(blocked?["fix"] as? String == "bridge -n \(lab.netns("host")) link set dev veth-ct1 state 3")
        #expect((blocked?["evidence"] as? [String])?.first == "host:veth-ct1 port state disabled")
        let fixed = try ExternalCommand.run([Self.executable, "lab", "fix", "--all", "--name", lab.layout.name])
        #expect(fixed.status == 0)
        #expect(fixed.standardOutput == "fixed: port-blocking\n")
        let after = try ExternalCommand.run([Self.executable, "doctor", "-n", lab.netns("host")] + parts)
        #expect(after.status == 0, "\(after.standardOutput)")
    }
}
