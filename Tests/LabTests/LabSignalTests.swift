import Foundation
import Glibc
import LinuxNet
import PacketCodec
import TestSupport
import Testing

@testable import Lab

/// The status a signal ends lxcdiag with: 130 for SIGINT, 143 for SIGTERM (README's exit codes), and for
/// SIGKILL the signal itself (137, as a shell reports it).
private func status(after signal: Int32) -> Int32 { 128 + signal }

private func signalName(_ signal: Int32) -> String {
    switch signal {
    case SIGINT: "INT"
    case SIGTERM: "TERM"
    case SIGKILL: "KILL"
    default: "\(signal)"
    }
}

/// Whether a process of `lab` runs whose command line contains `tool` (lxc-create, say).
private func running(_ tool: String, of lab: String) -> Bool {
    Leftovers.processes(mentioning: lab).contains { $0.contains(tool) }
}

@Suite(
    "lab up and down get INT, TERM or KILL at random moments: nothing is left that the next run does not remove",
    .serialized,
    .enabled(if: getuid() == 0, "needs root")
)
struct LabSignalTests {
    @Test("lab up --no-lxc: exit 130/143/137, and after KILL the next up (or down) recovers")
    func upWithNamespaces() throws {
        var random = SeededGenerator()
        for (round, signal) in [SIGINT, SIGTERM, SIGKILL, SIGKILL].enumerated() {
            let test = TestLab(backend: .namespaces)
            defer { test.tearDown() }
            let name = test.configuration.name
            // `up --no-lxc` takes a tenth of a second: the signal goes out at a random moment once the build
            // has recorded its first step (the state file exists).
            let delay = Double.random(in: 0...0.06, using: &random)
            let context = "seed \(random.seed), round \(round), SIG\(signalName(signal)) \(delay) s into the build"
            let run = try SignalledRun.run(
                ["lab", "up", "--no-lxc", "--name", name],
                signal: signal,
                after: delay,
                once: { FileManager.default.fileExists(atPath: test.configuration.statePath) }
            )
            print("lab up --no-lxc: \(context): exit \(run.status)")
            if run.status == 0 {
                #expect(run.output.contains("registered in"), "finished before the signal: \(context)")
            } else {
                #expect(run.status == status(after: signal), "\(context): \(run.error)")
            }
            if signal == SIGKILL && run.status != 0 {
                // The next command finds the half-made lab and removes or rebuilds it by itself.
                let next = round % 2 == 0 ? ["up", "--no-lxc"] : ["down"]
                let recovered = try LXCDiagExecutable.run(["lab"] + next + ["--name", name])
                #expect(recovered.status == 0, "\(context): lab \(next[0]): \(recovered.error)")
            }
            #expect(Leftovers.processesGone(mentioning: name) == [], "\(context)")
            if run.status != 0 && signal != SIGKILL {
                #expect(try Leftovers.ofLab(test) == [], "INT/TERM removes what up made: \(context)")
            }
            let down = try LXCDiagExecutable.run(["lab", "down", "--name", name])
            #expect(down.status == 0, "\(context): \(down.error)")
            #expect(try Leftovers.ofLab(test) == [], "\(context)")
        }
    }

    @Test("lab down --no-lxc: exit 130/143/137, and the next down removes the rest")
    func downWithNamespaces() throws {
        var random = SeededGenerator()
        for (round, signal) in [SIGINT, SIGTERM, SIGKILL].enumerated() {
            let test = TestLab(backend: .namespaces)
            defer { test.tearDown() }
            let name = test.configuration.name
            let up = try LXCDiagExecutable.run(["lab", "up", "--no-lxc", "--name", name])
            try #require(up.status == 0, "\(up.error)")
            let delay = Double.random(in: 0...0.08, using: &random)
            let context = "seed \(random.seed), round \(round), SIG\(signalName(signal)) after \(delay) s"
            let run = try SignalledRun.run(["lab", "down", "--name", name], signal: signal, after: delay)
            print("lab down --no-lxc: \(context): exit \(run.status)")
            #expect(run.status == 0 || run.status == status(after: signal), "\(context): \(run.error)")
            let next = try LXCDiagExecutable.run(["lab", "down", "--name", name])
            #expect(next.status == 0, "\(context): \(next.error)")
            #expect(Leftovers.processesGone(mentioning: name) == [], "\(context)")
            #expect(try Leftovers.ofLab(test) == [], "\(context)")
        }
    }
}

@Suite(
    "lab up --lxc killed or interrupted while LXC builds the containers",
    .serialized,
    .enabled(if: getuid() == 0, "needs root"),
    .enabled(if: lxcInstalled, "needs LXC (apt-get install lxc busybox-static)")
)
struct LXCLabSignalTests {
    /// Starts `lab up --lxc` and sends `signal` once lxc-create runs (plus a random moment up to `spread` s).
    private func up(
        _ test: TestLab,
        _ signal: Int32,
        spread: Double,
        random: inout SeededGenerator
    ) throws -> (
        SignalledRun, String
    ) {
        let name = test.configuration.name
        let delay = Double.random(in: 0...spread, using: &random)
        let context = "seed \(random.seed), SIG\(signalName(signal)) \(delay) s into lxc-create"
        let run = try SignalledRun.run(
            ["lab", "up", "--lxc", "--name", name],
            signal: signal,
            after: delay,
            once: { running("lxc-create", of: name) }
        )
        print("lab up --lxc: \(context): exit \(run.status)")
        return (run, context)
    }

    @Test(
        "SIGKILL of up: no lxc-create or lxc-start survives it, the next down or up recovers; a signalled down is finished by the next"
    )
    func killedUp() throws {
        var random = SeededGenerator()
        let test = TestLab(backend: .lxc)
        defer { test.tearDown() }
        let name = test.configuration.name

        // Killed, then `down`: the half-made containers and the namespaces go.
        var (run, context) = try up(test, SIGKILL, spread: 1.0, random: &random)
        #expect(run.signalled && run.status == 137, "\(context): \(run.error)")
        #expect(toolsGone(mentioning: name) == [], "children of the killed up: \(context)")
        let down = try LXCDiagExecutable.run(["lab", "down", "--name", name])
        #expect(down.status == 0, "\(context): \(down.error)")
        #expect(try Leftovers.ofLab(test) == [], "\(context)")
        // A container that had started before the kill is the half-made lab's, and the next down stops it.
        #expect(Leftovers.processesGone(mentioning: name) == [], "after the next down: \(context)")

        // Killed, then `up`: the half-made lab is removed and built again.
        (run, context) = try up(test, SIGKILL, spread: 1.0, random: &random)
        #expect(run.signalled && run.status == 137, "\(context): \(run.error)")
        #expect(toolsGone(mentioning: name) == [], "children of the killed up: \(context)")
        let again = try LXCDiagExecutable.run(["lab", "up", "--lxc", "--name", name])
        #expect(again.status == 0, "\(context): \(again.error)")
        #expect(again.output.contains("lab \(name): rebuilt in"), "\(again.output)")
        #expect(try test.lab.status().isComplete, "\(context)")

        // And `down` of that lab, interrupted or killed at a random moment, is finished by the next `down`.
        let signal = [SIGINT, SIGTERM, SIGKILL].randomElement(using: &random) ?? SIGKILL
        let delay = Double.random(in: 0...0.5, using: &random)
        let downContext = "seed \(random.seed), SIG\(signalName(signal)) \(delay) s into down"
        let interrupted = try SignalledRun.run(["lab", "down", "--name", name], signal: signal, after: delay)
        print("lab down (LXC): \(downContext): exit \(interrupted.status)")
        #expect(interrupted.status == 0 || interrupted.status == status(after: signal), "\(downContext)")
        let last = try LXCDiagExecutable.run(["lab", "down", "--name", name])
        #expect(last.status == 0, "\(downContext): \(last.error)")
        #expect(Leftovers.processesGone(mentioning: name) == [], "\(downContext)")
        #expect(try Leftovers.ofLab(test) == [], "\(downContext)")
    }

    /// The processes of the lab's tools (lxc-create, lxc-start, template scripts) still running after `within`
    /// seconds. A container that had already started (its `[lxc monitor]` daemon, detached by design) is not a
    /// tool: it is part of the half-made lab, which the next `up` or `down` removes, and is checked there.
    private func toolsGone(mentioning name: String, within seconds: Double = 10) -> [String] {
        let deadline = monotonicNanoseconds() + UInt64(seconds * 1e9)
        while true {
            let left = Leftovers.processes(mentioning: name).filter { !$0.contains("[lxc monitor]") }
            if left.isEmpty || monotonicNanoseconds() >= deadline { return left }
            usleep(20_000)
        }
    }

    @Test("a container folder an early-killed lxc-create left (no config, so LXC does not list it) is removed")
    func unfinishedCreate() throws {
        let test = TestLab(backend: .lxc)
        defer { test.tearDown() }
        _ = try test.lab.up(through: .host)
        // As a killed build leaves it: the containers recorded, one folder made and no config written yet.
        var state = try #require(try LabState.load(from: test.configuration.statePath))
        state.containers = ["ct1", "ct2", "ct3", "ct4"].map(test.configuration.containerName)
        try state.save(to: test.configuration.statePath)
        let folder = "\(try LXCTool.containerFolder())/\(test.configuration.containerName("ct1"))"
        try FileManager.default.createDirectory(atPath: "\(folder)/rootfs/bin", withIntermediateDirectories: true)
        #expect(try test.lab.down() != nil)
        #expect(!FileManager.default.fileExists(atPath: folder))
        #expect(try Leftovers.ofLab(test) == [])
    }

    @Test("SIGINT or SIGTERM: exit 130 or 143, the containers made so far are destroyed, no lock file is left")
    func interruptedUp() throws {
        var random = SeededGenerator()
        let test = TestLab(backend: .lxc)
        defer { test.tearDown() }
        let signal = Bool.random(using: &random) ? SIGINT : SIGTERM
        let (run, context) = try up(test, signal, spread: 1.0, random: &random)
        #expect(run.signalled && run.status == status(after: signal), "\(context): \(run.error)")
        #expect(Leftovers.processesGone(mentioning: test.configuration.name) == [], "\(context)")
        #expect(try Leftovers.ofLab(test) == [], "\(context)")
    }
}

@Suite(
    "trace, arp scan and arp watch on a lab get INT, TERM or KILL at random moments",
    .serialized,
    .enabled(if: getuid() == 0, "needs root")
)
struct CommandSignalTests {
    @Test("exit 130/143/137; after KILL the next trace removes its tracefs instance; no promiscuity, no process left")
    func signalledCommands() throws {
        let test = TestLab(backend: .namespaces)
        defer { test.tearDown() }
        _ = try test.lab.up()
        let name = test.configuration.name
        let state = try #require(try LabState.load(from: test.configuration.statePath))
        let environment = ["LXCDIAG_ENDPOINTS": test.configuration.endpointsPath]
        let baseline = Leftovers.promiscuity(in: state.namespaces)
        let trace = ["trace", "--from", "ext", "--to", "ct1"]
        // Each with the longest delay that still lands in a run (arp watch runs until a signal).
        let commands: [(label: String, arguments: [String], longest: Double)] = [
            ("trace", trace, 0.15),
            ("arp scan", ["arp", "scan", state.addressing.subnet.description, "--from", "ext", "-I", "eth0"], 1.0),
            ("arp watch", ["arp", "watch", "--from", "ext"], 0.6),
        ]
        var random = SeededGenerator()
        for (label, arguments, longest) in commands {
            for signal in [SIGINT, SIGTERM, SIGKILL].shuffled(using: &random) {
                let delay = Double.random(in: 0...longest, using: &random)
                let context = "seed \(random.seed), \(label), SIG\(signalName(signal)) after \(delay) s"
                let run = try SignalledRun.run(arguments, environment: environment, signal: signal, after: delay)
                print("\(context): exit \(run.status)")
                if run.status == 0 {
                    #expect(label != "arp watch", "arp watch ended by itself: \(context)")
                } else {
                    #expect(run.status == status(after: signal), "\(context): \(run.error)")
                }
                if signal == SIGKILL {
                    // The next trace removes what the killed run left in tracefs.
                    let next = try LXCDiagExecutable.run(trace, environment: environment)
                    #expect(next.status == 0, "\(context): the next trace: \(next.error)")
                }
                #expect(Leftovers.traceInstances(of: run.pid) == [], "\(context)")
                #expect(Leftovers.promiscuity(in: state.namespaces) == baseline, "\(context)")
                #expect(Leftovers.processesGone(mentioning: name) == [], "\(context)")
            }
        }
    }
}
