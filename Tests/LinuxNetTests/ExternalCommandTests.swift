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
