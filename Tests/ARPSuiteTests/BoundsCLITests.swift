import Foundation
import Glibc
import LinuxNet
import Testing

/// One bad command line for an `arp` subcommand, and what its error must name.
struct BadInput: CustomTestStringConvertible, Sendable {
    var arguments: [String]
    var mentions: [String]

    init(_ arguments: String..., naming mentions: String...) {
        self.arguments = arguments
        self.mentions = mentions
    }

    var testDescription: String { "arp " + arguments.joined(separator: " ") }
}

/// Every numeric option of every `arp` subcommand at values that once trapped (1e30 overflowed `UInt64`), never
/// ended, or mean nothing. Targets are TEST-NET-3 and `--from` is a namespace that does not exist, so a value that
/// slipped through validation could not send anywhere, and its error would not name the option.
let badInputs: [BadInput] = [
    BadInput("ping", "203.0.113.9", "-w", "1e30", naming: "-w", "1e30"),
    BadInput("ping", "203.0.113.9", "-w", "inf", naming: "-w", "inf"),
    BadInput("ping", "203.0.113.9", "-w", "nan", naming: "-w", "nan"),
    BadInput("ping", "203.0.113.9", "--deadline=-1", naming: "-w", "-1"),
    BadInput("ping", "203.0.113.9", "-w", "0", naming: "-w", "0"),
    BadInput("ping", "203.0.113.9", "-w", "25h", naming: "-w", "25h"),
    BadInput("ping", "203.0.113.9", "-i", "1e30", naming: "-i", "1e30"),
    BadInput("ping", "203.0.113.9", "-i", "1.8e10", naming: "-i", "1.8e10"),
    BadInput("ping", "203.0.113.9", "-i", "0", naming: "-i", "0"),
    BadInput("ping", "203.0.113.9", "-i", "0.0001", naming: "-i", "0.0001"),
    BadInput("ping", "203.0.113.9", "-i", "nan", naming: "-i", "nan"),
    BadInput("ping", "203.0.113.9", "--interval=-1", naming: "-i", "-1"),
    BadInput("ping", "203.0.113.9", "-i", "2h", naming: "-i", "2h"),
    BadInput("ping", "203.0.113.9", "-i", "0x10", naming: "-i", "0x10"),
    BadInput("ping", "203.0.113.9", "-c", "0", naming: "-c", "0"),
    BadInput("ping", "203.0.113.9", "--count=-1", naming: "-c", "-1"),
    BadInput("ping", "203.0.113.9", "-c", "1000001", naming: "-c", "1000001"),
    BadInput("ping", "203.0.113.9", "-c", "99999999999999999999", naming: "-c", "99999999999999999999"),
    BadInput("ping", "203.0.113.9", "-c", "1e30", naming: "-c", "1e30"),
    BadInput("ping", "203.0.113.9", "-c", "1000000", "-i", "1h", naming: "-c", "1000000", "-w"),
    BadInput("ping", "203.0.113.9", "--vlan", "1e30", naming: "--vlan", "1e30"),
    BadInput("ping", "203.0.113.9", "--vlan", "0", naming: "--vlan", "0"),
    BadInput("scan", "203.0.113.0/24", "--rate", "0", naming: "--rate", "0"),
    BadInput("scan", "203.0.113.0/24", "--rate", "1e30", naming: "--rate", "1e30"),
    BadInput("scan", "203.0.113.0/24", "--rate=-1", naming: "--rate", "-1"),
    BadInput("scan", "203.0.113.0/24", "--rate", "100001", naming: "--rate", "100001"),
    BadInput("scan", "203.0.113.0/24", "--retries", "11", naming: "--retries", "11"),
    BadInput("scan", "203.0.113.0/24", "--retries=-1", naming: "--retries", "-1"),
    BadInput("scan", "10.0.0.0/8", "--force", "--rate", "1", naming: "--rate", "1", "10.0.0.0/8"),
    BadInput("scan", "0.0.0.0/0", "--force", naming: "0.0.0.0/0", "/8"),
    BadInput("dad", "203.0.113.9", "-c", "0", naming: "-c", "0"),
    BadInput("dad", "203.0.113.9", "-c", "101", naming: "-c", "101"),
    BadInput("dad", "203.0.113.9", "-i", "1e30", naming: "-i", "1e30"),
    BadInput("dad", "203.0.113.9", "--wait", "1e30", naming: "--wait", "1e30"),
    BadInput("dad", "203.0.113.9", "--wait", "0", naming: "--wait", "0"),
    BadInput("dad", "203.0.113.9", "--wait", "nan", naming: "--wait", "nan"),
    BadInput("dad", "203.0.113.9", "-c", "100", "-i", "1h", "--wait", "1h", naming: "-c", "100", "--wait"),
    BadInput("announce", "203.0.113.9", "-c", "0", naming: "-c", "0"),
    BadInput("announce", "203.0.113.9", "-i", "1e30", naming: "-i", "1e30"),
    BadInput("announce", "203.0.113.9", "-i", "inf", naming: "-i", "inf"),
    BadInput("announce", "203.0.113.9", "-c", "100", "-i", "1h", naming: "-c", "100", "-i"),
    BadInput("watch", "--duration", "1e30", naming: "--duration", "1e30"),
    BadInput("watch", "--duration", "0", naming: "--duration", "0"),
    BadInput("watch", "--duration=-1", naming: "--duration", "-1"),
    BadInput("watch", "--duration", "inf", naming: "--duration", "inf"),
    BadInput("watch", "--duration", "25h", naming: "--duration", "25h"),
    BadInput("watch", "--duration", "1e30ms", naming: "--duration", "1e30ms"),
]

@Suite(
    "arp options are bounded",
    .enabled(if: FileManager.default.isExecutableFile(atPath: binary), "needs the built lxcdiag binary")
)
struct BoundsCLITests {
    @Test("every bad numeric value is a usage error naming it, never a crash", arguments: badInputs)
    func rejected(input: BadInput) throws {
        let nowhere = "netns:lxcdiag-t\(getpid())-nowhere"
        let output = try ExternalCommand.run(
            [binary, "arp", input.arguments[0], "--from", nowhere] + input.arguments.dropFirst(),
            timeoutSeconds: 30
        )
        #expect(output.status == 2, "exit \(output.status): \(output.standardError)")
        #expect(!output.standardError.contains("Fatal error"))
        #expect(!output.standardError.contains("backtrace"))
        #expect(output.standardOutput.isEmpty)
        let lines = output.standardError.split(separator: "\n")
        let first = String(lines.first ?? "")
        // ArgumentParser adds usage lines after its `Error:` line; lxcdiag's own messages are one line.
        #expect(first.hasPrefix("lxcdiag: ") || first.hasPrefix("Error: "), "\(first)")
        if first.hasPrefix("lxcdiag: ") { #expect(lines.count == 1, "\(output.standardError)") }
        for mention in input.mentions { #expect(first.contains(mention), "\(first) should name \(mention)") }
        #expect(!first.contains("nowhere"), "validation let it through to the run: \(first)")
    }

    @Test("help shows every range")
    func helpShowsRanges() throws {
        let expected = [
            "ping": ["1...1000000", "1ms...1h", "1ms...24h"], "scan": ["1...100000", "0...10", "/8", "24h"],
            "dad": ["1...100", "1ms...1h", "24h"], "announce": ["1...100", "1ms...1h", "24h"],
            "watch": ["1ms...24h", "interrupted"],
        ]
        for (name, ranges) in expected {
            let help = try lxcdiag("arp", name, "--help").standardOutput
            for range in ranges { #expect(help.contains(range), "arp \(name) --help should show \(range)") }
        }
    }
}

/// A running lxcdiag whose standard output is read as it comes, line by line, on a thread of its own.
private final class StreamingRun: @unchecked Sendable {
    // Safe: `text` is only touched while holding `lock`.
    private let lock = NSLock()
    private var text = ""
    let process = Process()
    private let pipe = Pipe()

    init(_ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let reader = pipe.fileHandleForReading
        DedicatedThread.start(name: "lxcdiag stdout") { [self] in
            while true {
                let chunk = reader.availableData
                if chunk.isEmpty { return }
                lock.withLock { text += String(decoding: chunk, as: UTF8.self) }
            }
        }
    }

    var output: String { lock.withLock { text } }

    /// Polls every 50 ms, for at most `seconds`, until `condition` holds for the output so far.
    func wait(seconds: Double, for condition: (String) -> Bool) -> Bool {
        for _ in 0..<Int(seconds * 20) {
            if condition(output) { return true }
            usleep(50_000)
        }
        return condition(output)
    }

    /// Waits at most `seconds` for the process to end; kills it if it did not.
    func finish(seconds: Double) -> Int32? {
        for _ in 0..<Int(seconds * 20) where process.isRunning { usleep(50_000) }
        guard !process.isRunning else {
            process.terminate()
            kill(process.processIdentifier, SIGKILL)
            return nil
        }
        process.waitUntilExit()
        return process.terminationStatus
    }
}

@Suite(
    "arp on Ctrl-C",
    .enabled(if: FileManager.default.isExecutableFile(atPath: binary) && getuid() == 0, "needs root and the binary")
)
struct InterruptCLITests {
    @Test("arp scan streams responders as they answer and prints an interrupted summary on Ctrl-C, exit 130")
    func scanInterrupted() throws {
        let name = "lxcdiag-tarp" + String(UInt32.random(in: 0..<UInt32.max), radix: 36)
        let endpoints = "/run/lxcdiag/labs/\(name).endpoints.json"
        defer { _ = try? lxcdiag("lab", "down", "--name", name) }
        let up = try lxcdiag("lab", "up", "--name", name, "--no-lxc")
        try #require(up.status == 0, "lab up: \(up.standardError)")
        let registered = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: endpoints))) as? [String: Any]
        )
        var labAddresses: Set<String> = []
        for entry in registered["endpoints"] as? [[String: Any]] ?? [] {
            if let address = entry["ip"] as? String { labAddresses.insert(address) }
        }
        let ext = try #require(
            (registered["endpoints"] as? [[String: Any]])?.first { $0["name"] as? String == "ext" }?["ip"] as? String
        )
        let subnet = ext.split(separator: ".").dropLast().joined(separator: ".") + ".0/24"

        // 20 frames a second: the 253 addresses would take over 12 s, the first responders (.2, .11) answer at once.
        let run = try StreamingRun([
            "arp", "scan", subnet, "--from", "ext", "--endpoints", endpoints, "--rate", "20", "--retries", "0",
        ])
        defer { if run.process.isRunning { kill(run.process.processIdentifier, SIGKILL) } }
        let responderLine = #/^(\d+\.\d+\.\d+\.\d+) +([0-9a-f]{2}(?::[0-9a-f]{2}){5})  /#
        let streamed = run.wait(seconds: 10) { $0.contains(responderLine.anchorsMatchLineEndings()) }
        #expect(streamed, "no responder line within 10 s: \(run.output)")
        kill(run.process.processIdentifier, SIGINT)
        let status = run.finish(seconds: 10)
        #expect(status == 130, "exit \(String(describing: status))")
        let output = run.output
        let lines = output.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("scanning \(subnet) on ext/") == true, "\(output)")
        let answered = lines.compactMap { $0.firstMatch(of: responderLine) }
        #expect(!answered.isEmpty)
        #expect(answered.allSatisfy { labAddresses.contains(String($0.1)) }, "\(output)")
        let summary = try #require(lines.last, "\(output)")
        let asked = try #require(
            summary.firstMatch(of: #/^interrupted after asking (\d+) of 253 addresses: (\d+) addresses answered/#),
            "\(summary)"
        )
        #expect(Int(asked.1)! < 253)
        #expect(Int(asked.2)! == Set(answered.map { String($0.1) }).count)
    }
}
