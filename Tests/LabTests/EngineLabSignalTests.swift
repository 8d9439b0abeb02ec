import Foundation
import Glibc
import LinuxNet
import TestSupport
import Testing

@testable import Lab

/// What is left of engine lab `name`: its namespaces, records, the engine's folder, processes started from that
/// folder or running in it (a container's root is an overlay under it) and mounts under it.
private func engineLeftovers(_ test: TestLab) throws -> [String] {
    let folder = "\(test.configuration.stateDirectory)/\(test.configuration.name).docker"
    var left = try Leftovers.ofLab(test)
    if FileManager.default.fileExists(atPath: folder) { left.append(folder) }
    let registration = "/run/lxcdiag/engines/lab-\(test.configuration.name).json"
    if FileManager.default.fileExists(atPath: registration) { left.append(registration) }
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    for entry in entries where Int32(entry) != nil && Int32(entry) != getpid() {
        let root = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(entry)/root")
        if root?.hasPrefix(folder + "/") == true { left.append("container process \(entry)") }
    }
    let mounts = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
    left += mounts.split(separator: "\n").compactMap { line in
        let point = line.split(separator: " ").dropFirst(4).first.map(String.init) ?? ""
        return point.hasPrefix(folder) ? "mount \(point)" : nil
    }
    return left.sorted()
}

@Suite(
    "lab up --engine docker gets INT, TERM or KILL at a random moment: nothing is left that the next down does not remove",
    .serialized,
    .enabled(if: getuid() == 0, "needs root"),
    .enabled(if: LabDocker.isInstalled, "Debian's docker.io is not installed")
)
struct EngineLabSignalTests {
    @Test("INT and TERM undo the build (exit 130/143); after KILL, down removes daemon, containers and mounts")
    func signalledUp() throws {
        var random = SeededGenerator()
        let before = RootNamespaceState.read()
        for (round, signal) in [SIGINT, SIGTERM, SIGKILL, SIGKILL].enumerated() {
            let test = TestLab(name: "lxen-s" + String(UInt32.random(in: 0..<UInt32.max), radix: 36))
            defer { test.tearDown() }
            let name = test.configuration.name
            // The daemon, the image and the containers take a few seconds here: the signal goes out at a random
            // moment among them, once the build has recorded its first step.
            let delay = Double.random(in: 0...4, using: &random)
            let context = "seed \(random.seed), round \(round), signal \(signal) \(delay) s into the build"
            let run = try SignalledRun.run(
                ["lab", "up", "--engine", "docker", "--name", name],
                signal: signal,
                after: delay,
                once: { FileManager.default.fileExists(atPath: test.configuration.statePath) }
            )
            print("lab up --engine docker: \(context): exit \(run.status)")
            if run.status == 0 {
                #expect(run.output.contains("registered in"), "finished before the signal: \(context)")
            } else {
                #expect(run.status == 128 + signal, "\(context): \(run.error)")
            }
            if run.status != 0 && signal != SIGKILL {
                #expect(try engineLeftovers(test) == [], "INT/TERM removes what up made: \(context)")
            }
            let down = try LXCDiagExecutable.run(["lab", "down", "--name", name])
            #expect(down.status == 0, "\(context): \(down.error)")
            #expect(Leftovers.processesGone(mentioning: name) == [], "\(context)")
            #expect(try engineLeftovers(test) == [], "\(context)")
        }
        #expect(RootNamespaceState.read() == before)
    }
}
