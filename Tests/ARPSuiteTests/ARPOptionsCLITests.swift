import Foundation
import Glibc
import LinuxNet
import PacketCodec
import Testing

/// Runs `tool` inside lab node `namespace` (the reference tools: Habets arping, arp-scan).
private func inside(_ namespace: String, _ tool: [String]) throws -> CommandOutput {
    try ExternalCommand.run(["ip", "netns", "exec", namespace] + tool, timeoutSeconds: 60)
}

/// The (address, MAC) pairs of responder lines: the first two words of each line that starts with an address.
private func pairs(_ text: String) -> Set<String> {
    Set(
        text.split(separator: "\n").compactMap { line in
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "|" })
            guard words.count >= 2, IPv4Address(String(words[0])) != nil else { return nil }
            return "\(words[0]) \(words[1])"
        }
    )
}

@Suite(
    "arp ping/scan/watch options operators reach for, against real stations and the reference tools",
    .enabled(if: FileManager.default.isExecutableFile(atPath: binary) && getuid() == 0, "needs root and the binary"),
    .serialized
)
struct ARPOptionsCLITests {
    /// scanner .1, r1 and r2 both .2 (a duplicate), r3 .3, all on one bridge.
    private func lab() throws -> ARPLab {
        let lab = try ARPLab()
        try lab.addNode("scanner", addresses: ["198.51.100.1/28"])
        try lab.addNode("r1", addresses: ["198.51.100.2/28"])
        try lab.addNode("r2", addresses: ["198.51.100.2/28"])
        try lab.addNode("r3", addresses: ["198.51.100.3/28"])
        return lab
    }

    @Test("ping: ping's rtt summary; exit 1 when two MACs answer, as Habets arping -d; -q prints nothing")
    func ping() throws {
        let lab = try lab()
        defer { lab.tearDown() }
        let scanner = lab.namespace("scanner")
        let one = try lxcdiag("arp", "ping", "198.51.100.3", "-n", scanner, "-c", "3", "-i", "50ms")
        #expect(one.status == 0, "\(one.standardError)")
        let line = try #require(
            one.standardOutput.split(separator: "\n").first { $0.hasPrefix("rtt min/avg/max/mdev = ") }
        )
        let figures = line.dropFirst("rtt min/avg/max/mdev = ".count).dropLast(" ms".count).split(separator: "/")
            .compactMap { Double($0) }
        #expect(figures.count == 4 && figures[0] <= figures[1] && figures[1] <= figures[2], "\(line)")

        let duplicate = try lxcdiag("arp", "ping", "198.51.100.2", "-n", scanner, "-c", "2", "-i", "50ms")
        let reference = try inside(scanner, ["arping", "-d", "-c", "2", "-i", "eth0", "198.51.100.2"])
        #expect(reference.status == 1, "arping -d: \(reference.standardOutput)")
        #expect(duplicate.status == reference.status)
        #expect(duplicate.standardOutput.contains("answered by 2 MACs"))

        let quiet = try lxcdiag("arp", "ping", "198.51.100.3", "-n", scanner, "-c", "1", "-q")
        #expect(quiet.status == 0 && quiet.standardOutput.isEmpty && quiet.standardError.isEmpty)
        let silent = try lxcdiag("arp", "ping", "198.51.100.9", "-n", scanner, "-c", "1", "-w", "300ms", "-q")
        #expect(silent.status == 1 && silent.standardOutput.isEmpty)

        let json = try lxcdiag("arp", "ping", "198.51.100.3", "-n", scanner, "-c", "2", "-i", "50ms", "--json")
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any]
        )
        let rtt = try #require(document["rtt"] as? [String: Int])
        #expect(Set(rtt.keys) == ["min_ns", "avg_ns", "max_ns", "mdev_ns"])
        #expect(rtt["min_ns"]! <= rtt["avg_ns"]! && rtt["avg_ns"]! <= rtt["max_ns"]!)
    }

    @Test("scan --localnet --plain finds what arp-scan --localnet --plain finds, each MAC locally administered")
    func localnetPlain() throws {
        let lab = try lab()
        defer { lab.tearDown() }
        let scanner = lab.namespace("scanner")
        let ours = try lxcdiag("arp", "scan", "--localnet", "-n", scanner, "--plain")
        #expect(ours.status == 0, "\(ours.standardError)")
        let reference = try inside(scanner, ["arp-scan", "--localnet", "--plain", "-I", "eth0", "--retry", "2"])
        #expect(reference.status == 0, "\(reference.standardError)")
        let macs = try ["r1", "r2", "r3"].map { try lab.mac(of: $0).description }
        let expected = Set(["198.51.100.2 \(macs[0])", "198.51.100.2 \(macs[1])", "198.51.100.3 \(macs[2])"])
        #expect(pairs(ours.standardOutput) == expected)
        #expect(pairs(reference.standardOutput) == expected)
        // --plain: the responder lines and nothing else.
        let lines = ours.standardOutput.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines.allSatisfy { $0.hasSuffix("(locally administered)") })
    }

    @Test("scan -f FILE --random --format asks only the file's addresses and prints arp-scan's fields")
    func fileFormat() throws {
        let lab = try lab()
        defer { lab.tearDown() }
        let file = NSTemporaryDirectory() + "lxcdiag-arp-targets-\(getpid())"
        try "198.51.100.3\n# r1 and r2 are left out\n198.51.100.8/30   # .9 and .10, silent\n"
            .write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let output = try lxcdiag(
            "arp",
            "scan",
            "-f",
            file,
            "-n",
            lab.namespace("scanner"),
            "--random",
            "--format",
            "${ip;-15}|${mac}|${dup}"
        )
        #expect(output.status == 0, "\(output.standardError)")
        let lines = output.standardOutput.split(separator: "\n")
        #expect(lines.first == "scanning 3 addresses from \(file) on host/eth0 from 198.51.100.1")
        #expect(lines.contains("198.51.100.3   |\(try lab.mac(of: "r3"))|"))
        #expect(!output.standardOutput.contains("198.51.100.2 "))
        #expect(lines.last?.hasPrefix("1 addresses answered") == true, "\(lines.last ?? "")")

        let duplicates = try lxcdiag(
            "arp",
            "scan",
            "198.51.100.0/30",
            "-n",
            lab.namespace("scanner"),
            "--plain",
            "--format",
            "${ip} ${mac} ${dup}"
        )
        let dup = duplicates.standardOutput.split(separator: "\n")
        #expect(dup.count == 2 && dup.filter { $0.hasSuffix(" (DUP: 2)") }.count == 1, "\(dup)")
    }

    @Test("scan -W FILE: a pcapng tshark reads, with every request sent and every reply received, by direction")
    func scanCaptureFile() throws {
        let lab = try lab()
        defer { lab.tearDown() }
        let file = NSTemporaryDirectory() + "lxcdiag-t-scan-\(getpid()).pcapng"
        defer { unlink(file) }
        let scan = try lxcdiag("arp", "scan", "198.51.100.0/28", "-n", lab.namespace("scanner"), "-W", file, "--json")
        #expect(scan.status == 0, "\(scan.standardError)")
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(scan.standardOutput.utf8)) as? [String: Any]
        )
        let sent = try #require(document["frames_sent"] as? Int)
        let responders = try #require(document["responders"] as? [[String: Any]])
        let answered = Set(
            responders.compactMap { responder in
                (responder["ip"] as? String).flatMap { ip in (responder["mac"] as? String).map { "\(ip) \($0)" } }
            }
        )
        #expect(answered.count == 3)

        // tshark: opcode, direction (0x1 inbound, 0x2 outbound), sender address and MAC of every frame.
        let fields = try ExternalCommand.run(
            [
                "tshark", "-r", file, "-T", "fields", "-e", "arp.opcode", "-e", "frame.packet_flags_direction",
                "-e", "arp.src.proto_ipv4", "-e", "arp.src.hw_mac",
            ],
            timeoutSeconds: 60
        )
        #expect(fields.status == 0, "\(fields.standardError)")
        let rows = fields.standardOutput.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
        let requests = rows.filter { $0.count == 4 && $0[0] == "1" && $0[1] == "0x00000002" }
        let replies = rows.filter { $0.count == 4 && $0[0] == "2" && $0[1] == "0x00000001" }
        #expect(requests.count == sent, "tshark counted \(requests.count) requests sent, the scan \(sent)")
        #expect(requests.allSatisfy { $0[2] == "198.51.100.1" })
        // Each of the three answered every time it was asked: once, and once more when re-asked for loss.
        #expect(replies.count >= 3)
        #expect(Set(replies.map { "\($0[2]) \($0[3])" }) == answered)
        #expect(rows.count == requests.count + replies.count, "\(fields.standardOutput)")
        // tcpdump reads it too, one line per frame.
        let tcpdump = try ExternalCommand.run(["tcpdump", "-nn", "-r", file], timeoutSeconds: 60)
        #expect(tcpdump.status == 0, "\(tcpdump.standardError)")
        #expect(tcpdump.standardOutput.split(separator: "\n").count == rows.count)
    }

    @Test("scan -W into a missing folder, a directory or /proc: one line, exit 2, and nothing sent")
    func scanCaptureFileRefused() throws {
        let lab = try lab()
        defer { lab.tearDown() }
        let scanner = lab.namespace("scanner")
        // The kernel's own IPv6 traffic (MLD, DAD) off, so the interface's transmit counter moves only for ARP.
        _ = try inside(
            scanner,
            ["sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.eth0.disable_ipv6=1"]
        )
        usleep(300_000)
        // A missing folder and a directory are refused by the option check, /proc by creating the file before sending.
        for path in ["/nonexistent-lxcdiag/scan.pcapng", NSTemporaryDirectory(), "/proc/lxcdiag-scan.pcapng"] {
            let before = try ExternalCommand.run(["ip", "-n", scanner, "-s", "-j", "link", "show", "eth0"])
            let refused = try lxcdiag("arp", "scan", "198.51.100.0/28", "-n", scanner, "-W", path)
            #expect(refused.status == 2)
            #expect(refused.standardError.hasPrefix("lxcdiag: ") && refused.standardError.contains("-W"))
            #expect(refused.standardError.split(separator: "\n").count == 1, "\(refused.standardError)")
            #expect(refused.standardOutput.isEmpty)
            let after = try ExternalCommand.run(["ip", "-n", scanner, "-s", "-j", "link", "show", "eth0"])
            #expect(transmitted(before.standardOutput) == transmitted(after.standardOutput))
        }
    }

    @Test("watch -r of tcpdump's capture gives the events watching live gave (new station, change, flip-flop)")
    func watchFileMatchesLive() throws {
        let lab = try ARPLab()
        defer { lab.tearDown() }
        let watcher = try lab.addNode("watcher", addresses: ["198.51.100.1/28"])
        try lab.addNode("a", addresses: ["198.51.100.5/28"])
        try lab.addNode("b", addresses: ["198.51.100.5/28"])
        let folder = NSTemporaryDirectory() + "lxcdiag-t-watchlive-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let file = "\(folder)/arp.pcap"
        // Both run until interrupted once the announcements are done (no time window to miss on a loaded machine),
        // and the announcements start once both say they listen.
        let recorder = try BackgroundTool(
            ["ip", "netns", "exec", watcher, "tcpdump", "-U", "-i", "eth0", "-w", file, "arp"],
            folder: folder,
            name: "tcpdump"
        )
        // The test's threads block SIGINT and SIGTERM, and a child inherits that mask: tcpdump, which keeps it,
        // is stopped with SIGKILL; -U has written every frame as it came.
        defer { recorder.stop(SIGKILL) }
        let live = try BackgroundTool(
            [binary, "arp", "watch", "-n", watcher, "-I", "eth0"],
            folder: folder,
            name: "watch"
        )
        defer { live.stop() }
        #expect(recorder.waitFor("listening on", inStandardError: true))
        #expect(live.waitFor("watching 1 interface"))
        for node in ["a", "b", "a"] {
            let announce = try lxcdiag("arp", "announce", "-n", lab.namespace(node), "-I", "eth0", "-c", "1")
            #expect(announce.status == 0, "\(announce.standardError)")
            usleep(300_000)
        }
        usleep(500_000)
        #expect(live.stop() == 130)
        recorder.stop(SIGKILL)
        let watched = live.standardOutput
        let replayed = try lxcdiag("arp", "watch", "-r", file)
        #expect(replayed.status == 0, "\(replayed.standardError)")
        let liveEvents = eventLines(watched)
        #expect(liveEvents.contains { $0.hasPrefix("flip-flop: 198.51.100.5 back to") }, "\(watched)")
        #expect(eventLines(replayed.standardOutput) == liveEvents, "\(replayed.standardOutput)")
    }

    @Test("watch --database: a station learned in one run is no new station in the next")
    func database() throws {
        let lab = try ARPLab()
        defer { lab.tearDown() }
        try lab.addNode("watcher", addresses: ["198.51.100.1/24"])
        try lab.addNode("a", addresses: ["198.51.100.41/24"])
        let file = NSTemporaryDirectory() + "lxcdiag-arp-dat-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: file) }
        let station = try lab.mac(of: "a").description
        func watchWhileAnnouncing() throws -> CommandOutput {
            let box = OutputBox()
            let done = DispatchSemaphore(value: 0)
            let watcher = lab.namespace("watcher")
            DedicatedThread.start(name: "lxcdiag arp watch") {
                box.output = try? ExternalCommand.run(
                    [binary, "arp", "watch", "-n", watcher, "-I", "eth0", "--duration", "1500ms", "--database", file],
                    timeoutSeconds: 30
                )
                done.signal()
            }
            usleep(600_000)
            _ = try lxcdiag("arp", "announce", "-n", lab.namespace("a"), "-I", "eth0", "-c", "1")
            done.wait()
            return try #require(box.output)
        }
        let first = try watchWhileAnnouncing()
        #expect(first.status == 0, "\(first.standardError)")
        #expect(first.standardOutput.hasPrefix("watching 1 interface: host/eth0\n"))
        #expect(first.standardOutput.contains("new station 198.51.100.41 at \(station)"))
        let saved = try String(contentsOfFile: file, encoding: .utf8)
        #expect(saved.contains("\(station)\t198.51.100.41\t"), "\(saved)")

        let second = try watchWhileAnnouncing()
        #expect(second.status == 0, "\(second.standardError)")
        #expect(second.standardOutput.contains("gratuitous: 198.51.100.41 is at \(station)"))
        #expect(!second.standardOutput.contains("new station 198.51.100.41"))
    }
}

/// Hands a command's output from the thread that ran it. Safe: written before `signal()`, read after `wait()`.
private final class OutputBox: @unchecked Sendable {
    var output: CommandOutput?
}

/// The `tx_packets` of `ip -s -j link show` output.
private func transmitted(_ json: String) -> Int? {
    let links = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]]
    let stats = links?.first?["stats64"] as? [String: Any]
    return (stats?["tx"] as? [String: Any])?["packets"] as? Int
}

/// A tool run in the background with its output in files, stopped by a signal (SIGINT, as Ctrl-C, by default),
/// and by `deinit` too.
private final class BackgroundTool {
    private let process = Process()
    private let outputPath: String
    private let errorPath: String

    init(_ arguments: [String], folder: String, name: String) throws {
        outputPath = "\(folder)/\(name).out"
        errorPath = "\(folder)/\(name).err"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardOutput = FileHandle(forWritingAtPath: outputPath)
        process.standardError = FileHandle(forWritingAtPath: errorPath)
        try process.run()
    }

    deinit { stop() }

    var standardOutput: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }
    private var standardError: String { (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "" }

    /// Whether `text` appears in its output within 60 s (checked every 100 ms).
    func waitFor(_ text: String, inStandardError: Bool = false) -> Bool {
        for _ in 0..<600 {
            if (inStandardError ? standardError : standardOutput).contains(text) { return true }
            guard process.isRunning else { return false }
            usleep(100_000)
        }
        return false
    }

    /// Sends `signal` (SIGINT, as Ctrl-C) if it runs, waits for it, and returns its exit status.
    @discardableResult
    func stop(_ signal: Int32 = SIGINT) -> Int32 {
        if process.isRunning { kill(process.processIdentifier, signal) }
        process.waitUntilExit()
        return process.terminationStatus
    }
}
