import CLinuxNet
import Foundation
import LinuxNet
import Testing

@Suite("ExternalCommand: running system tools")
struct ExternalCommandTests {
    @Test("running tools does not leak pipe descriptors (the lab runs hundreds per test run)")
    func noDescriptorLeak() throws {
        func openDescriptors() throws -> Int {
            try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count
        }
        let before = try openDescriptors()
        for _ in 0..<200 { try ExternalCommand.check(["true"]) }
        // A leak of two descriptors per run would add 400; other suites running alongside open a few dozen.
        #expect(try openDescriptors() - before < 100)
    }

    @Test("output, error output, input and exit status come back separately")
    func streams() throws {
        let output = try ExternalCommand.run(["sh", "-c", "cat; echo oops >&2; exit 7"], input: "hello\n")
        #expect(output.standardOutput == "hello\n")
        #expect(output.standardError == "oops\n")
        #expect(output.status == 7)
        let error = #expect(throws: CommandError.self) {
            try ExternalCommand.check(["sh", "-c", "echo bad >&2; exit 3"])
        }
        #expect(error?.description.contains("bad") == true)
    }

    @Test("a tool that is not installed is named")
    func notInstalled() {
        let error = #expect(throws: CommandError.self) { try ExternalCommand.run(["lxcdiag-no-such-tool"]) }
        #expect(error?.description == "lxcdiag-no-such-tool is not installed (needed for: lxcdiag-no-such-tool)")
    }

    @Test("a tool past its time limit is killed, reaped and reported")
    func timeout() throws {
        let marker = "lxcdiag-timeout-\(UInt32.random(in: 0...UInt32.max))"
        let error = #expect(throws: CommandError.self) {
            try ExternalCommand.run(["bash", "-c", "exec -a \(marker) sleep 30"], timeoutSeconds: 0.3)
        }
        if case .timedOut = error?.kind {
        } else {
            Issue.record("expected a time-out, got \(String(describing: error))")
        }
        // Killed and reaped: no process by that name is left.
        #expect(try ExternalCommand.run(["pgrep", "-f", marker]).status == 1)
    }

    @Test("past its time limit the tool is killed with what it started (its process group)")
    func timeoutKillsGroup() throws {
        let marker = "lxcdiag-group-\(UInt32.random(in: 0...UInt32.max))"
        let error = #expect(throws: CommandError.self) {
            try ExternalCommand.run(
                ["bash", "-c", "(exec -a \(marker)-child sleep 30) & exec -a \(marker) sleep 30"],
                timeoutSeconds: 0.5
            )
        }
        if case .timedOut = error?.kind {
        } else {
            Issue.record("expected a time-out, got \(String(describing: error))")
        }
        // SIGKILL to the group reaches the background child at once; it is gone once init reaps it.
        var left = try ExternalCommand.run(["pgrep", "-f", marker])
        for _ in 0..<100 where left.status == 0 {
            usleep(10_000)
            left = try ExternalCommand.run(["pgrep", "-f", marker])
        }
        #expect(left.status == 1, "still running: \(left.standardOutput)")
    }

    @Test("a tool that a signal ends reports 128 + the signal, as a shell does")
    func killedTool() throws {
        #expect(try ExternalCommand.run(["sh", "-c", "kill -TERM $$"]).status == 143)
        #expect(try ExternalCommand.run(["sh", "-c", "kill -KILL $$"]).status == 137)
    }

    @Test("a file that cannot be executed is one error naming it, not a hang")
    func cannotExecute() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("lxcdiag-noexec-\(UUID())").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data([0x7F, 0x45, 0x4C, 0x46, 0, 1, 2, 3])))
        defer { try? FileManager.default.removeItem(atPath: path) }
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        let error = #expect(throws: CommandError.self) { try ExternalCommand.run([path]) }
        #expect(error?.description.contains(path) == true, "\(String(describing: error))")
    }

    @Test("a daemon left holding the pipes does not hold up the caller")
    func daemonHoldsPipes() throws {
        // Were the caller to wait for the pipes to close, the 5 s daemon would outlast the 3 s limit and throw.
        let output = try ExternalCommand.run(["sh", "-c", "sleep 5 & echo started"], timeoutSeconds: 3)
        #expect(output.standardOutput == "started\n")
        #expect(output.status == 0)
    }

    @Test("tools start with no blocked signals even though lxcdiag blocks SIGINT and SIGTERM in its threads")
    func childSignalMask() throws {
        let status = try DedicatedThread.run(name: "blocked") { () throws -> String in
            _ = CLinuxNet_block_termination_signals()
            return try ExternalCommand.check(["grep", "SigBlk", "/proc/self/status"])
        }
        #expect(status.trimmingCharacters(in: .whitespacesAndNewlines) == "SigBlk:\t0000000000000000")
    }
}
