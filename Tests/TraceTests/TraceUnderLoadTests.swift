import Foundation
import Glibc
import Lab
import LinuxNet
import Testing

/// A UDP flood from one lab member to another's port 9. Runs `python3` inside the sender's namespace for at
/// most `seconds`, and is killed when the test ends, also on failure.
private final class UDPFlood {
    let process = Process()

    static let python = "/usr/bin/python3"

    /// Sends `payload`-byte datagrams to `destination` port 9 as fast as one process can, for `seconds`.
    init(namespace: String, destination: String, payload: Int = 1200, seconds: Int = 150) throws {
        let script = """
            import socket, sys, time
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            data, end = b"x" * \(payload), time.monotonic() + \(seconds)
            while time.monotonic() < end:
                for _ in range(500):
                    try: s.sendto(data, ("\(destination)", 9))
                    except OSError: pass
            """
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        process.arguments = ["netns", "exec", namespace, Self.python, "-c", script]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    /// Whether the flood is still sending (it ends on its own after its time).
    var isRunning: Bool { process.isRunning }

    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { stop() }
}

/// The tracefs instances a process made (`lxcdiag-PID-*`), as paths.
private func instances(of pid: Int32) -> [String] {
    let directory = "/sys/kernel/tracing/instances"
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    return names.filter { $0.hasPrefix("lxcdiag-\(pid)-") }.map { "\(directory)/\($0)" }
}

/// Issue 9 item 3: under a flood a normal trace left its tracefs instance recording and took 2 s more.
@Suite(
    "Traces under a UDP flood remove their tracefs instance",
    .enabled(if: getuid() == 0, "needs root"),
    .enabled(if: FileManager.default.isExecutableFile(atPath: lxcdiagBinary), "build lxcdiag first"),
    .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/python3"), "needs python3 for the flood"),
    .enabled(if: FileManager.default.fileExists(atPath: "/sys/kernel/tracing/events/skb/kfree_skb"), "needs tracefs"),
    .serialized,
    .lab(.namespaces)
)
struct TraceUnderLoadTests {
    private func flood(_ lab: TraceLab) throws -> UDPFlood {
        try UDPFlood(namespace: lab.member("ct2"), destination: "\(try lab.addressing.container(1))")
    }

    /// Adds an nft table to ct1 with `rule` on its input hook; returns the command that deletes it.
    private func firewall(_ lab: TraceLab, _ rule: [String]) throws -> [String] {
        let ct1 = lab.member("ct1")
        let table = "lxcdiag_t\(UInt16.random(in: 0...UInt16.max))"
        let nft = ["ip", "netns", "exec", ct1, "nft"]
        try ExternalCommand.check(nft + ["add", "table", "inet", table])
        let delete = nft + ["delete", "table", "inet", table]
        do {
            try ExternalCommand.check(
                nft + ["add", "chain", "inet", table, "in", "{ type filter hook input priority 0; policy accept; }"]
            )
            try ExternalCommand.check(nft + ["add", "rule", "inet", table, "in"] + rule)
        } catch {
            _ = try? ExternalCommand.run(delete)
            throw error
        }
        return delete
    }

    /// ct1 drops the flood in nft, so every datagram is a NETFILTER_DROP that the trace's kfree_skb filter
    /// passes and its reader must get through (a flood to a closed port dies of NO_SOCKET, which the trace
    /// leaves out in the kernel).
    @Test("100 traces ext -> ct1 during a flood ct2 -> ct1 each exit 0 and leave no instance behind")
    func hundredTraces() throws {
        let lab = try TraceLab.suiteLab()
        let unfirewall = try firewall(lab, ["udp", "dport", "9", "drop"])
        defer { _ = try? ExternalCommand.run(unfirewall) }
        let flood = try flood(lab)
        defer { flood.stop() }
        var failures = 0
        for attempt in 1...100 {
            let run = try lab.trace("ext", "ct1")
            let left = instances(of: run.pid)
            #expect(run.status == 0, "trace \(attempt): \(run.error)")
            #expect(left.isEmpty, "trace \(attempt) left \(left)")
            #expect(!run.error.contains("could not remove tracefs instance"), "trace \(attempt): \(run.error)")
            if run.status != 0 || !left.isEmpty { failures += 1 }
            if failures >= 3 { break }
        }
        #expect(flood.isRunning, "the flood ended before the traces did")
    }

    /// Starts `lxcdiag trace ext -> ct1`, waits until its instance exists, sends `signal`, and checks the
    /// exit status and that the instance is gone.
    @Test("SIGTERM or Ctrl-C while a trace records under the flood removes its instance", arguments: [SIGTERM, SIGINT])
    func signalDuringTrace(signal: Int32) throws {
        let lab = try TraceLab.suiteLab()
        let flood = try flood(lab)
        defer { flood.stop() }
        // ct1 drops the echo requests and the flood, so the trace waits out its long loss timeout (the signal
        // surely arrives while it records) with a NETFILTER_DROP per datagram to read.
        let unfirewall = try firewall(lab, ["meta", "l4proto", "{", "icmp", ",", "udp", "}", "drop"])
        defer { _ = try? ExternalCommand.run(unfirewall) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: lxcdiagBinary)
        // A long loss timeout keeps the trace running while the signal arrives, whatever the load.
        process.arguments = ["trace", "--from", "ext", "--to", "ct1", "--json", "--timeout-ms", "10000"]
        process.environment = ProcessInfo.processInfo.environment.merging(
            ["LXCDIAG_ENDPOINTS": lab.configuration.endpointsPath]
        ) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        let pid = process.processIdentifier
        var seen: [String] = []
        let deadline = Date().addingTimeInterval(15)
        while seen.isEmpty && process.isRunning && Date() < deadline {
            usleep(5_000)
            seen = instances(of: pid)
        }
        try #require(!seen.isEmpty, "the trace never made its instance")
        // Signal once the instance records (its last tracepoint enabled) and the flood has filled its pipe:
        // that is when the reader is busiest and the instance hardest to remove.
        let enable = "\(seen[0])/events/net/net_dev_queue/enable"
        while process.isRunning && Date() < deadline,
            (try? String(contentsOfFile: enable, encoding: .utf8))?.hasPrefix("1") != true
        {
            usleep(5_000)
        }
        usleep(300_000)
        kill(pid, signal)
        let exitDeadline = Date().addingTimeInterval(15)
        while process.isRunning && Date() < exitDeadline { usleep(10_000) }
        #expect(!process.isRunning, "the trace did not exit after signal \(signal)")
        process.waitUntilExit()
        #expect(process.terminationStatus == 128 + signal)
        #expect(instances(of: pid).isEmpty, "left \(seen)")
    }
}
