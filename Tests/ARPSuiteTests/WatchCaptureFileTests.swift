import Foundation
import Glibc
import LinuxNet
import TestSupport
import Testing

/// A scripted ARP exchange written by scapy (an independent encoder) at chosen capture times: .41 announced by
/// A, then B, then A again; C asks for .99 (never answered) and then .41, which A and B both answer.
private let scriptedExchange = """
    a, b, c = "02:00:00:00:00:0a", "02:00:00:00:00:0b", "02:00:00:00:00:0c"
    def eth(src, dst, op, hwsrc, psrc, hwdst, pdst):
        return Ether(src=src, dst=dst) / ARP(op=op, hwsrc=hwsrc, psrc=psrc, hwdst=hwdst, pdst=pdst)
    def cooked(src, dst, op, hwsrc, psrc, hwdst, pdst):
        return CookedLinux(pkttype=0, lladdrtype=1, lladdrlen=6, src=bytes.fromhex(src.replace(":", "")) + b"\\0\\0",
                           proto=0x0806) / ARP(op=op, hwsrc=hwsrc, psrc=psrc, hwdst=hwdst, pdst=pdst)
    make = cooked if mode == "cooked" else eth
    bcast = "ff:ff:ff:ff:ff:ff"
    frames = [
        (0.0, make(a, bcast, 1, a, "198.51.100.41", "00:00:00:00:00:00", "198.51.100.41")),
        (1.0, make(b, bcast, 1, b, "198.51.100.41", "00:00:00:00:00:00", "198.51.100.41")),
        (2.0, make(a, bcast, 1, a, "198.51.100.41", "00:00:00:00:00:00", "198.51.100.41")),
        (3.0, make(c, bcast, 1, c, "198.51.100.50", "00:00:00:00:00:00", "198.51.100.99")),
        (5.0, make(c, bcast, 1, c, "198.51.100.50", "00:00:00:00:00:00", "198.51.100.41")),
        (5.05, make(a, c, 2, a, "198.51.100.41", c, "198.51.100.50")),
        (5.1, make(b, c, 2, b, "198.51.100.41", c, "198.51.100.50")),
    ]
    packets = []
    for offset, frame in frames:
        frame.time = 1700000000 + offset
        packets.append(frame)
    if path.endswith(".pcapng"):
        writer = PcapNgWriter(path)
        for packet in packets: writer.write(packet)
        writer.close()
    else:
        wrpcap(path, packets)
    """

/// Writes the exchange to `path` (pcapng when it ends so) as Ethernet or Linux cooked frames.
private func writeExchange(_ path: String, cooked: Bool) throws {
    _ = try scapy("path = \"\(path)\"\nmode = \"\(cooked ? "cooked" : "ethernet")\"\n" + scriptedExchange)
}

/// The events the exchange must give, as `describeEvent` prints them, without the location.
private let expectedEvents = [
    "gratuitous: 198.51.100.41 is at 02:00:00:00:00:0a",
    "new station 198.51.100.41 at 02:00:00:00:00:0a",
    "gratuitous: 198.51.100.41 is at 02:00:00:00:00:0b",
    "changed: 198.51.100.41 moved from 02:00:00:00:00:0a to 02:00:00:00:00:0b",
    "gratuitous: 198.51.100.41 is at 02:00:00:00:00:0a",
    "flip-flop: 198.51.100.41 back to 02:00:00:00:00:0a from 02:00:00:00:00:0b",
    "new station 198.51.100.50 at 02:00:00:00:00:0c",
    "unanswered: who-has 198.51.100.99 from 02:00:00:00:00:0c",
    "duplicate: 198.51.100.41 answered by 02:00:00:00:00:0b and 02:00:00:00:00:0a",
]

/// The event lines of `arp watch` text output with their ` [location]` cut off.
func eventLines(_ text: String) -> [String] {
    text.split(separator: "\n").compactMap { line in
        guard let bracket = line.range(of: " [", options: .backwards), line.hasSuffix("]") else { return nil }
        return String(line[..<bracket.lowerBound])
    }
}

@Suite(
    "arp watch -r reads tcpdump's and tshark's captures; --syslog logs each event",
    .enabled(if: FileManager.default.isExecutableFile(atPath: binary) && scapyAvailable, "needs the binary and scapy")
)
struct WatchCaptureFileTests {
    private let folder = NSTemporaryDirectory() + "lxcdiag-t-watchfile-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"

    init() throws { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }

    @Test("pcap, pcapng and Linux cooked captures give the same events, in order, at capture times")
    func readsEveryFormat() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for (name, cooked) in [("eth.pcap", false), ("eth.pcapng", false), ("cooked.pcap", true)] {
            let path = "\(folder)/\(name)"
            try writeExchange(path, cooked: cooked)
            let watched = try lxcdiag("arp", "watch", "-r", path)
            #expect(watched.status == 0, "\(name): \(watched.standardError)")
            let lines = watched.standardOutput.split(separator: "\n").map(String.init)
            #expect(lines.first == "reading \(path) (\(cooked ? "Linux cooked" : "Ethernet"))", "\(name)")
            #expect(eventLines(watched.standardOutput) == expectedEvents, "\(name): \(watched.standardOutput)")
            #expect(lines.last == "read 7 frames (7 ARP) from \(path): 9 events", "\(name)")
            #expect(watched.standardOutput.contains("[\(path)]"))
        }
        // --json: the capture's own times (1700000005.1 s for the duplicate), not the time of reading.
        let json = try lxcdiag("arp", "watch", "-r", "\(folder)/eth.pcapng", "--json")
        let objects = json.standardOutput.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(objects.count == expectedEvents.count)
        #expect(objects.last?["event"] as? String == "duplicate")
        #expect(objects.last?["time_ns_string"] as? String == "1700000005100000000")
    }

    @Test("-r of a file that is missing or no capture: one line naming it, exit 3 and 2")
    func unreadableFiles() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let missing = try lxcdiag("arp", "watch", "-r", "\(folder)/none.pcap")
        #expect(missing.status == 3)
        #expect(missing.standardError.hasPrefix("lxcdiag: cannot read \(folder)/none.pcap"))
        #expect(missing.standardError.split(separator: "\n").count == 1)
        let text = "\(folder)/notes.txt"
        try "not a capture\n".write(toFile: text, atomically: true, encoding: .utf8)
        let garbage = try lxcdiag("arp", "watch", "-r", text)
        #expect(garbage.status == 3)
        #expect(garbage.standardError.hasPrefix("lxcdiag: cannot read \(text)"))
        let mixed = try lxcdiag("arp", "watch", "-r", text, "--duration", "1s")
        #expect(mixed.status == 2)
    }

    @Test("--syslog: one RFC 3164 datagram per event, LOG_DAEMON, severity by kind, to the socket named")
    func syslogDatagrams() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let capture = "\(folder)/eth.pcap"
        try writeExchange(capture, cooked: false)
        let socketPath = "\(folder)/log"
        let listener = try UnixDatagramListener(path: socketPath)
        let watched = try ExternalCommand.run(
            ["env", "LXCDIAG_SYSLOG_SOCKET=\(socketPath)", binary, "arp", "watch", "-r", capture, "--syslog"],
            timeoutSeconds: 60
        )
        #expect(watched.status == 0, "\(watched.standardError)")
        let datagrams = listener.drain()
        #expect(datagrams.count == expectedEvents.count, "\(datagrams)")
        // <PRI>Mmm dd hh:mm:ss lxcdiag-arpwatch[PID]: EVENT [FILE]
        let pattern = try Regex(#"^<(\d+)>[A-Z][a-z]{2} [ 1-3]\d \d\d:\d\d:\d\d lxcdiag-arpwatch\[\d+\]: (.*) \[.*\]$"#)
        var priorities: [String: Int] = [:]
        var messages: [String] = []
        for datagram in datagrams {
            let match = try #require(try pattern.wholeMatch(in: datagram), "\(datagram)")
            let priority = try #require(Int(String(match.output[1].substring ?? "")))
            let message = String(match.output[2].substring ?? "")
            messages.append(message)
            priorities[String(message.prefix { $0 != ":" && $0 != " " })] = priority
        }
        #expect(messages == expectedEvents)
        // LOG_DAEMON (3 << 3) with info 6, notice 5, warning 4.
        #expect(priorities["new"] == 30 && priorities["gratuitous"] == 30 && priorities["unanswered"] == 30)
        #expect(priorities["changed"] == 29 && priorities["flip-flop"] == 29)
        #expect(priorities["duplicate"] == 28)

        let nowhere = try ExternalCommand.run(
            ["env", "LXCDIAG_SYSLOG_SOCKET=\(folder)/no-daemon", binary, "arp", "watch", "-r", capture, "--syslog"],
            timeoutSeconds: 60
        )
        #expect(nowhere.status == 3)
        #expect(nowhere.standardError.hasPrefix("lxcdiag: --syslog: "))
        #expect(nowhere.standardError.split(separator: "\n").count == 1)
        #expect(nowhere.standardOutput.isEmpty)
    }
}

/// A Unix datagram socket bound at a path, standing in for a syslog daemon's /dev/log.
private final class UnixDatagramListener {
    private let fd: Int32
    private let path: String

    init(path: String) throws {
        self.path = path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemError("socket", code: errno) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in path.utf8.enumerated() where index < buffer.count - 1 { buffer[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0 else { throw SystemError("bind \(path)", code: errno) }
    }

    deinit {
        close(fd)
        unlink(path)
    }

    /// Every datagram queued now.
    func drain() -> [String] {
        var messages: [String] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            guard count > 0 else { return messages }
            messages.append(String(decoding: buffer[0..<count], as: UTF8.self))
        }
    }
}
