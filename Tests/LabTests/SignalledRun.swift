import Foundation
import Glibc
import LinuxNet
import TestSupport

@testable import Lab

/// A seeded generator (SplitMix64), so that a run of random signal moments can be repeated: tests print the
/// seed in every failure message, and `LXCDIAG_SIGNAL_SEED` replays it.
struct SeededGenerator: RandomNumberGenerator {
    let seed: UInt64
    private var state: UInt64

    init() {
        let given = ProcessInfo.processInfo.environment["LXCDIAG_SIGNAL_SEED"].flatMap { UInt64($0) }
        self.init(seed: given ?? UInt64.random(in: 0..<UInt64.max))
    }

    init(seed: UInt64) {
        self.seed = seed
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// One `lxcdiag` run that gets a signal: its pid, its status (128 + the signal number when a signal ended
/// it, as a shell reports it) and whether it was still running when the signal went out.
struct SignalledRun {
    var pid: pid_t
    var status: Int32
    var signalled: Bool
    var output: String
    var error: String

    /// Starts `lxcdiag arguments`, waits until `ready` holds (polling, at most 30 s) and `delay` seconds more,
    /// sends `signal` and waits (at most 60 s, then SIGKILL) for the process to end.
    static func run(
        _ arguments: [String],
        environment: [String: String] = [:],
        signal: Int32,
        after delay: Double,
        once ready: () -> Bool = { true }
    ) throws -> SignalledRun {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lxcdiag-signal-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let outPath = folder.appendingPathComponent("out").path
        let errPath = folder.appendingPathComponent("err").path
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: LXCDiagExecutable.path)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = FileHandle(forWritingAtPath: outPath)
        process.standardError = FileHandle(forWritingAtPath: errPath)
        try process.run()
        let pid = process.processIdentifier
        let readyBy = monotonicNanoseconds() + 30_000_000_000
        while process.isRunning, !ready(), monotonicNanoseconds() < readyBy { usleep(5_000) }
        usleep(UInt32(delay * 1_000_000))
        let signalled = process.isRunning
        if signalled { kill(pid, signal) }
        let endBy = monotonicNanoseconds() + 60_000_000_000
        while process.isRunning, monotonicNanoseconds() < endBy { usleep(5_000) }
        if process.isRunning { kill(pid, SIGKILL) }
        process.waitUntilExit()
        let status =
            process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
        return SignalledRun(
            pid: pid,
            status: status,
            signalled: signalled,
            output: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
            error: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        )
    }
}

/// What a run can leave behind, looked up in the system itself.
enum Leftovers {
    /// `pid command line` of every process but this one whose command line or environment mentions `word`
    /// (a lab's name: lxcdiag's own forks, the tools it runs and their children inherit one or the other).
    /// A lab's listener (`NAME.listener.py`, which `lab up` starts in ct1 and `lab down` stops) belongs to the
    /// lab while it exists and is left out here unless `listeners`; `ofLab` counts one that outlives its lab.
    static func processes(mentioning word: String, listeners: Bool = false) -> [String] {
        let me = getpid()
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> String? in
            guard let pid = Int32(entry), pid != me else { return nil }
            let command = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") ?? Data()
            let environment = FileManager.default.contents(atPath: "/proc/\(entry)/environ") ?? Data()
            let text = String(decoding: command, as: UTF8.self).replacingOccurrences(of: "\0", with: " ")
            if !listeners, text.contains("\(word).listener.py") { return nil }
            guard text.contains(word) || String(decoding: environment, as: UTF8.self).contains(word) else {
                return nil
            }
            return "\(pid) \(text)"
        }.sorted()
    }

    /// `processes(mentioning:)` once it is empty, or after `seconds` (polling) what is still there.
    static func processesGone(mentioning word: String, within seconds: Double = 10) -> [String] {
        let deadline = monotonicNanoseconds() + UInt64(seconds * 1e9)
        while true {
            let left = processes(mentioning: word)
            if left.isEmpty || monotonicNanoseconds() >= deadline { return left }
            usleep(20_000)
        }
    }

    /// The tracefs instances the run with this pid made (`lxcdiag-PID-*`, as KernelDrops names them).
    static func traceInstances(of pid: pid_t) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/sys/kernel/tracing/instances")) ?? []
        return names.filter { $0.hasPrefix("lxcdiag-\(pid)-") }.sorted()
    }

    /// The promiscuity count of every interface in `namespaces` (`namespace:interface` keys), which counts
    /// packet sockets' promiscuous memberships as well as the PROMISC flag.
    static func promiscuity(in namespaces: [String]) -> [String: Int] {
        var counts: [String: Int] = [:]
        for namespace in namespaces {
            guard let output = try? ExternalCommand.check(["ip", "-n", namespace, "-d", "-j", "link", "show"]),
                let links = try? JSONSerialization.jsonObject(with: Data(output.utf8)) as? [[String: Any]]
            else { continue }
            for link in links {
                guard let name = link["ifname"] as? String else { continue }
                counts["\(namespace):\(name)"] = link["promiscuity"] as? Int ?? -1
            }
        }
        return counts
    }

    /// The lab's namespaces, LXC containers, state, endpoint and lock files that exist now.
    static func ofLab(_ test: TestLab) throws -> [String] {
        var left = try test.leftovers()
        let configuration = test.configuration
        let files = [
            configuration.statePath, configuration.endpointsPath,
            "\(configuration.stateDirectory)/\(configuration.name).lock",
        ]
        left += files.filter { FileManager.default.fileExists(atPath: $0) }
        left += processes(mentioning: configuration.name, listeners: true).filter { $0.contains(".listener.py") }
        if let folder = try? LXCTool.containerFolder() {
            let prefix = configuration.name + "-"
            let folders = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            left += folders.filter { $0.hasPrefix(prefix) }.map { "\(folder)/\($0)" }
        }
        return left.sorted()
    }
}
