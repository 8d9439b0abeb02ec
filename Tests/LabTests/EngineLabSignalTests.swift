import Foundation
import Glibc
import LinuxNet
import TestSupport
import Testing

@testable import Lab

/// What is left of engine lab `name`: its namespaces, records, the engine's folder, processes started from that
/// folder or running in it (a container's root is an overlay under it) and mounts under it.
private func engineLeftovers(_ test: TestLab, engine: LabBackend) throws -> [String] {
    let folder = "\(test.configuration.stateDirectory)/\(test.configuration.name).\(engine.rawValue)"
    var left = try Leftovers.ofLab(test)
    if FileManager.default.fileExists(atPath: folder) { left.append(folder) }
    let registration = "/run/lxcdiag/engines/lab-\(test.configuration.name).json"
    if FileManager.default.fileExists(atPath: registration) { left.append(registration) }
    left += engineFolderLeftovers(folder)
    return left.sorted()
}

@Suite(
    "lab up --engine docker|podman gets INT, TERM or KILL at a random moment: nothing is left that the next down does not remove",
    .serialized,
    .enabled(if: getuid() == 0, "needs root"),
)
struct EngineLabSignalTests {
    @Test(
        "INT and TERM undo the build (exit 130/143); after KILL, down removes daemon, containers and mounts",
        .enabled(if: getuid() == 0),
        arguments: [LabBackend.docker, .podman].filter(\.engineInstalled)
    )
    func signalledUp(engine: LabBackend) throws {
        try #require(engine.engineInstalled, "\(engine.rawValue) is not installed")
        try withEngineTestLock { try signalled(engine: engine) }
    }

    private func signalled(engine: LabBackend) throws {
        var random = SeededGenerator()
        let before = RootNamespaceState.read()
        for (round, signal) in [SIGINT, SIGTERM, SIGKILL, SIGKILL].enumerated() {
            let test = TestLab(name: "lxen-s" + String(UInt32.random(in: 0..<UInt32.max), radix: 36))
            defer { test.tearDown() }
            let name = test.configuration.name
            let namespaceFiles = Set((try? FileManager.default.contentsOfDirectory(atPath: "/run/netns")) ?? [])
            // The daemon, the image and the containers take a few seconds here: the signal goes out at a random
            // moment among them, once the build has recorded its first step.
            let delay = Double.random(in: 0...4, using: &random)
            let context = "seed \(random.seed), round \(round), signal \(signal) \(delay) s into the build"
            let run = try SignalledRun.run(
                ["lab", "up", "--engine", engine.rawValue, "--name", name],
                signal: signal,
                after: delay,
                once: { FileManager.default.fileExists(atPath: test.configuration.statePath) }
            )
            print("lab up --engine \(engine.rawValue): \(context): exit \(run.status)")
            if run.status == 0 {
                #expect(run.output.contains("registered in"), "finished before the signal: \(context)")
            } else {
                #expect(run.status == 128 + signal, "\(context): \(run.error)")
            }
            if run.status != 0 && signal != SIGKILL {
                let left = try engineLeftovers(test, engine: engine)
                if engine == .podman {
                    // INT and TERM reach the running `podman run`s too; their undo can end before the engine's
                    // processes settle, and then the next `down` (checked below) finishes it.
                    withKnownIssue(
                        "podman: the undo of INT/TERM may leave the rest to the next down",
                        isIntermittent: true
                    ) {
                        #expect(left == [], "INT/TERM removes what up made: \(context)")
                    }
                } else {
                    #expect(left == [], "INT/TERM removes what up made: \(context)")
                }
            }
            let down = try LXCDiagExecutable.run(["lab", "down", "--name", name])
            #expect(down.status == 0, "\(context): \(down.error)")
            #expect(Leftovers.processesGone(mentioning: name) == [], "\(context)")
            #expect(try engineLeftovers(test, engine: engine) == [], "\(context)")
            // Podman's containers' namespace files live in /run/netns (netns-UUID). `down` removes those the
            // containers' configs name; a `podman run` signalled (INT and TERM reach the running tools too) or
            // killed after making the namespace and before writing the config leaves one that nothing
            // attributes to the lab (an empty namespace, no process in it).
            let left = Set((try? FileManager.default.contentsOfDirectory(atPath: "/run/netns")) ?? [])
                .subtracting(namespaceFiles).filter { $0.hasPrefix("netns-") }
            if engine == .podman && run.status != 0 {
                withKnownIssue("a signalled podman run can leave its netns-UUID file", isIntermittent: true) {
                    #expect(left == [], "\(context)")
                }
                // Made during this round by the lab's own signalled `podman run`: removed so later rounds start clean.
                for file in left { _ = try? ExternalCommand.run(["ip", "netns", "delete", file]) }
            } else {
                #expect(left == [], "\(context)")
            }

        }
        #expect(RootNamespaceState.read() == before)
    }
}
