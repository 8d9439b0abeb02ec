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

    @Test("a tool past its time limit is killed and reported")
    func timeout() {
        let started = monotonicNanoseconds()
        let error = #expect(throws: CommandError.self) { try ExternalCommand.run(["sleep", "5"], timeoutSeconds: 0.3) }
        if case .timedOut = error?.kind {
        } else {
            Issue.record("expected a time-out, got \(String(describing: error))")
        }
        #expect(monotonicNanoseconds() - started < 4_000_000_000)
    }

    @Test("a daemon left holding the pipes does not hold up the caller")
    func daemonHoldsPipes() throws {
        let started = monotonicNanoseconds()
        let output = try ExternalCommand.run(["sh", "-c", "sleep 3 & echo started"], timeoutSeconds: 10)
        #expect(output.standardOutput == "started\n")
        #expect(monotonicNanoseconds() - started < 2_500_000_000)
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
