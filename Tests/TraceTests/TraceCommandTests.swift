import Foundation
import Glibc
import LinuxNet
import TestSupport
import Testing

/// The built `lxcdiag` binary next to the test bundle's build products.
let lxcdiagBinary = LXCDiagExecutable.path

/// A finished run of the binary.
struct Run {
    var pid: Int32
    var status: Int32
    var output: String
    var error: String
}

/// Runs `lxcdiag` with `arguments`; `interruptAfter` sends SIGINT (Ctrl-C) that many seconds after start, and
/// `interruptWhen` sends it once the predicate holds for the process's PID (checked every 20 ms, for at most
/// 30 s: then it is sent anyway).
func lxcdiag(
    _ arguments: [String],
    environment extra: [String: String] = [:],
    interruptAfter: Double? = nil,
    interruptWhen: ((Int32) -> Bool)? = nil
) throws -> Run {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: lxcdiagBinary)
    process.arguments = arguments
    var environment = ProcessInfo.processInfo.environment
    environment["NO_COLOR"] = nil
    // The text view's glyphs (→ ← · ✗) are printed in a UTF-8 locale; a C locale gets ASCII (TerminalTests).
    environment["LC_ALL"] = "C.UTF-8"
    environment.merge(extra) { $1 }
    process.environment = environment
    let output = Pipe()
    let error = Pipe()
    process.standardOutput = output
    process.standardError = error
    try process.run()
    if let interruptAfter {
        usleep(UInt32(interruptAfter * 1_000_000))
        process.interrupt()
    }
    if let interruptWhen {
        for _ in 0..<1_500 where process.isRunning && !interruptWhen(process.processIdentifier) { usleep(20_000) }
        process.interrupt()
    }
    let out = output.fileHandleForReading.readDataToEndOfFile()
    let err = error.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Run(
        pid: process.processIdentifier,
        status: process.terminationStatus,
        output: String(decoding: out, as: UTF8.self),
        error: String(decoding: err, as: UTF8.self)
    )
}

@Suite(
    "lxcdiag trace, the command",
    .enabled(if: getuid() == 0, "needs root"),
    .enabled(if: FileManager.default.isExecutableFile(atPath: lxcdiagBinary), "build lxcdiag first")
)
struct TraceCommandTests {
    private func arguments(_ lab: TracePathLab) -> [String] {
        [
            "trace", "--from", "netns:\(lab.ext)", "--to", "netns:\(lab.ct1)",
            "--hop", "netns:\(lab.sw)/p-ext", "--hop", "netns:\(lab.sw)/sw0=bridge", "--hop", "netns:\(lab.sw)/p-host",
            "--hop", "netns:\(lab.host)/em1=uplink", "--hop", "netns:\(lab.host)/br0=bridge",
            "--hop", "netns:\(lab.host)/vct1=veth", "--side", "netns:\(lab.host)/vct2",
        ]
    }

    @Test("a healthy path: exit 0, a reachable JSON document, and a pcapng file tshark reads per hop")
    func healthyJSONAndPcap() throws {
        let lab = try TracePathLab()
        defer { lab.tearDown() }
        let pcap = NSTemporaryDirectory() + "lxcdiag-trace-\(UInt32.random(in: 0...UInt32.max)).pcapng"
        defer { try? FileManager.default.removeItem(atPath: pcap) }
        let run = try lxcdiag(arguments(lab) + ["--json", "--pcap", pcap])
        #expect(run.status == 0, "\(run.error)\n\(run.output)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any])
        #expect(json["schema"] as? String == "lxcdiag.trace/1")
        #expect(json["verdict"] as? String == "reachable")
        #expect((json["to"] as? [String: Any])?["ip"] as? String == "192.0.2.20")
        let names = try ExternalCommand.check(["tshark", "-r", pcap, "-T", "fields", "-e", "frame.interface_name"])
        let seen = Set(names.split(separator: "\n").map(String.init))
        let expected: Set = [
            "\(lab.ext):eth0", "\(lab.sw):p-ext", "\(lab.sw):sw0", "\(lab.sw):p-host", "\(lab.host):em1",
            "\(lab.host):br0", "\(lab.host):vct1", "\(lab.host):vct2", "\(lab.ct1):eth0",
        ]
        #expect(seen == expected)
        // 3 crafted probes and the stack probe both ways on the 6 hops that see unicast, the answer to the source
        // kernel's own ARP request for the stack probe (unicast, from the target to the source: it passes the
        // filter as an ARP reply; the kernel's request carries no nonce and does not), plus the flooded ARP request
        // on both bridges and the side port: nothing else passed the kernel filter.
        let count = try ExternalCommand.check(["tshark", "-r", pcap, "-T", "fields", "-e", "frame.number"])
        #expect(count.split(separator: "\n").count == 6 * 8 + 6 + 3)
        // The annotations Wireshark users read: each hop described, each probe frame commented, and at the
        // source's own interface the request going out and the reply coming in (epb_flags).
        let annotated = try ExternalCommand.check([
            "tshark", "-r", pcap, "-T", "fields", "-E", "separator=|", "-e", "frame.interface_name",
            "-e", "frame.interface_description", "-e", "frame.comment", "-e", "frame.packet_flags_direction",
        ])
        let rows = annotated.split(separator: "\n").map { $0.split(separator: "|", omittingEmptySubsequences: false) }
        let atSource = rows.filter { $0.first == "\(lab.ext):eth0" }
        #expect(atSource.allSatisfy { $0[1].hasPrefix("netns \(lab.ext), role endpoint, hop 1 of ") })
        #expect(atSource.contains { $0[2] == "icmp request" && $0[3] == "0x00000002" })
        #expect(atSource.contains { $0[2] == "icmp reply" && $0[3] == "0x00000001" })
        #expect(rows.filter { $0[2].isEmpty }.count <= 3, "probe frames without a comment: \(rows)")
        // Every frame at every hop carries its direction, the middle hops too (the capture socket's PACKET_OUTGOING
        // or not): the request enters the hops facing the source and leaves the ones facing the target, and the
        // reply the other way round.
        #expect(rows.allSatisfy { $0[3] == "0x00000001" || $0[3] == "0x00000002" }, "\(rows)")
        let inbound = "0x00000001"
        let outbound = "0x00000002"
        for (hop, requestWay) in [
            ("\(lab.sw):p-ext", inbound), ("\(lab.sw):p-host", outbound), ("\(lab.host):em1", inbound),
            ("\(lab.host):vct1", outbound), ("\(lab.ct1):eth0", inbound),
        ] {
            let replyWay = requestWay == inbound ? outbound : inbound
            let here = rows.filter { $0[0] == hop }
            for kind in ["icmp", "icmp-mtu"] {
                #expect(here.contains { $0[2] == "\(kind) request" && $0[3] == requestWay }, "\(hop) \(kind)")
                #expect(here.contains { $0[2] == "\(kind) reply" && $0[3] == replyWay }, "\(hop) \(kind)")
                #expect(!here.contains { $0[2] == "\(kind) request" && $0[3] == replyWay }, "\(hop) \(kind)")
            }
        }
        let info = try ExternalCommand.check(["capinfos", "-k", "-I", pcap])
        #expect(info.contains("from netns:\(lab.ext) to netns:\(lab.ct1), verdict reachable"))
        // The snap length holds the path's largest frame: the source's MTU (1500 here) plus headers, at least 2048.
        #expect(info.contains("Capture length = 2048"))
    }

    @Test("jumbo frames: on MTU 9000 links the 9000-byte probe is captured whole at every hop, snap length 9022")
    func jumboFramesCapturedWhole() throws {
        let lab = try TracePathLab()
        defer { lab.tearDown() }
        let links: [(String, [String])] = [
            (lab.ext, ["eth0"]), (lab.sw, ["p-ext", "p-host", "sw0"]), (lab.host, ["em1", "vct1", "vct2", "br0"]),
            (lab.ct1, ["eth0"]), (lab.ct2, ["eth0"]),
        ]
        for (namespace, interfaces) in links {
            for interface in interfaces {
                try ExternalCommand.check(["ip", "-n", namespace, "link", "set", "dev", interface, "mtu", "9000"])
            }
        }
        let pcap = NSTemporaryDirectory() + "lxcdiag-trace-jumbo-\(UInt32.random(in: 0...UInt32.max)).pcapng"
        defer { try? FileManager.default.removeItem(atPath: pcap) }
        let run = try lxcdiag(arguments(lab) + ["--json", "--pcap", pcap])
        #expect(run.status == 0, "\(run.error)\n\(run.output)")
        let fields = try ExternalCommand.check([
            "tshark", "-r", pcap, "-T", "fields", "-E", "separator=|", "-e", "frame.interface_name",
            "-e", "frame.comment", "-e", "frame.len", "-e", "frame.cap_len",
        ])
        let rows = fields.split(separator: "\n").map { $0.split(separator: "|", omittingEmptySubsequences: false) }
        let large = rows.filter { $0[1] == "icmp-mtu request" || $0[1] == "icmp-mtu reply" }
        // Both ways on the six hops that see unicast, each 9000 bytes of IP plus the Ethernet header, none cut.
        #expect(large.count == 12, "\(rows)")
        #expect(large.allSatisfy { $0[2] == "9014" && $0[3] == "9014" }, "\(large)")
        #expect(Set(large.map { String($0[0]) }).count == 6)
        let info = try ExternalCommand.check(["capinfos", "-I", pcap])
        #expect(info.contains("Capture length = 9022"), "\(info)")
    }

    @Test("a dropping path: exit 1 and a text view that marks where it stopped, without colour off a terminal")
    func droppingText() throws {
        let lab = try TracePathLab()
        defer { lab.tearDown() }
        try ExternalCommand.check(["bridge", "-n", lab.host, "link", "set", "dev", "vct1", "state", "0"])
        let run = try lxcdiag(arguments(lab))
        #expect(run.status == 1)
        #expect(run.output.contains("UNREACHABLE"))
        let stopped = "stopped   arp request last seen at \(lab.host):br0, never reached \(lab.host):vct1"
        #expect(run.output.contains(stopped))
        #expect(run.output.contains("✗"))
        #expect(!run.output.contains("\u{1B}["))
    }

    @Test("without --hop the path is computed, also across namespaces no endpoint file names (the switch)")
    func computedPathAcrossUnregisteredNamespaces() throws {
        let lab = try TracePathLab()
        defer { lab.tearDown() }
        let run = try lxcdiag(
            ["trace", "--from", "netns:\(lab.ext)", "--to", "netns:\(lab.ct1)", "--json"],
            environment: ["LXCDIAG_ENDPOINTS": "/nonexistent/lxcdiag-endpoints.json"]
        )
        #expect(run.status == 0, "\(run.error)")
        let document = try TraceDocument(run)
        #expect(document.verdict == "reachable")
        #expect(
            document.labels == [
                "\(lab.ext):eth0", "\(lab.sw):p-ext", "\(lab.sw):sw0", "\(lab.sw):p-host", "\(lab.host):em1",
                "\(lab.host):br0", "\(lab.host):vct1", "\(lab.ct1):eth0", "\(lab.host):vct2",
            ]
        )
    }

    @Test("without libpcap the trace says so in one line and exits 3 (libpcap is loaded at run time)")
    func libpcapMissing() throws {
        let lab = try TracePathLab()
        defer { lab.tearDown() }
        let run = try lxcdiag(arguments(lab), environment: ["LXCDIAG_LIBPCAP": "/nonexistent/libpcap.so.0.8"])
        #expect(run.status == 3)
        let lines = run.error.split(separator: "\n")
        #expect(lines.count == 1, "\(run.error)")
        #expect(lines.first?.hasPrefix("lxcdiag: libpcap cannot be loaded (/nonexistent/libpcap.so.0.8") == true)
        #expect(lines.first?.hasSuffix("install it: apt-get install libpcap0.8") == true)
        #expect(run.output.isEmpty)
    }

    @Test("-n NAME before the subcommand makes that namespace the host, as ip -n does")
    func leadingNamespaceOption() throws {
        let lab = try TracePathLab()
        defer { lab.tearDown() }
        let before = try lxcdiag(["-n", lab.host, "endpoints"])
        let after = try lxcdiag(["endpoints", "-n", lab.host])
        #expect(before.status == 0, "\(before.error)")
        // Only the host's line, its columns without their padding: the rest lists every namespace (and sets the
        // column widths), and other tests make and remove theirs meanwhile.
        let hostLine = { (run: Run) in
            run.output.split(separator: "\n").first { $0.hasPrefix("host ") }?.split(separator: " ").joined(
                separator: " "
            )
        }
        #expect(hostLine(before) != nil)
        #expect(hostLine(before) == hostLine(after))
        #expect(hostLine(before)?.contains("netns \(lab.host) ") == true)
        let missing = try lxcdiag(["--netns=lxcdiag-no-such-ns", "endpoints"])
        #expect(missing.status == 3)
        #expect(missing.error.contains("lxcdiag-no-such-ns"))
    }

    @Test("usage errors exit 2 and name the bad argument, a mistyped namespace too")
    func errors() throws {
        let bad = try lxcdiag(["trace", "--from", "host", "--to", "nowhere"])
        #expect(bad.status == 2)
        #expect(bad.error.contains("nowhere"))
        let role = try lxcdiag(["trace", "--from", "netns:x", "--to", "netns:y", "--hop", "host/br0=switch"])
        #expect(role.status == 2)
        #expect(role.error.contains("unknown role `switch`"))
        let place = try lxcdiag(["trace", "--from", "netns:x/eth0", "--to", "ct1"])
        #expect(place.status == 2)
        #expect(place.error.contains("'netns:x/eth0': PLACE/IFACE and @ADDRESS endpoints go with --hop"))
        for count in ["0", "1001", "-3"] {
            let burst = try lxcdiag(["trace", "--from", "ext", "--to", "ct1", "--count", count])
            #expect(burst.status == 2)
            #expect(burst.error.contains("--count must be between 1 and 1000, not \(count)"), "\(burst.error)")
            #expect(burst.error.split(separator: "\n").count <= 2)
        }
        let missing = try lxcdiag(["trace", "--from", "netns:lxcdiag-t-nope", "--to", "netns:lxcdiag-t-nope2"])
        // Well-formed, but no such namespace: the environment's (3), as the README's table says.
        #expect(missing.status == 3)
        #expect(missing.error.contains("lxcdiag-t-nope"))
    }

    @Test("Ctrl-C mid-trace exits with 130 and leaves no file and no promiscuous bridge behind")
    func interrupted() throws {
        let lab = try TracePathLab()
        defer { lab.tearDown() }
        try ExternalCommand.check(["bridge", "-n", lab.host, "link", "set", "dev", "vct1", "state", "0"])
        let pcap = NSTemporaryDirectory() + "lxcdiag-trace-\(UInt32.random(in: 0...UInt32.max)).pcapng"
        // Left alone this trace waits 2 x 5 s and exits 1; 130 says the interrupt ended it. The interrupt comes
        // once the probes are under way (the kernel drop recorder's instance exists), however loaded the machine.
        let run = try lxcdiag(arguments(lab) + ["--timeout-ms", "5000", "--pcap", pcap]) { pid in
            let instances =
                (try? FileManager.default.contentsOfDirectory(atPath: "/sys/kernel/tracing/instances")) ?? []
            return instances.contains { $0.hasPrefix("lxcdiag-\(pid)-") }
        }
        #expect(run.status == 130)
        #expect(run.error.contains("interrupted"))
        #expect(!FileManager.default.fileExists(atPath: pcap))
        // The kernel drop recorder's tracefs instance (named lxcdiag-PID-...) is gone too.
        let instances = (try? FileManager.default.contentsOfDirectory(atPath: "/sys/kernel/tracing/instances")) ?? []
        #expect(!instances.contains { $0.hasPrefix("lxcdiag-\(run.pid)-") })
        let bridge = try ExternalCommand.check(["ip", "-n", lab.host, "-d", "link", "show", "br0"])
        #expect(!bridge.contains("PROMISC"))
    }
}

@Suite(
    "lxcdiag trace --help",
    .enabled(if: FileManager.default.isExecutableFile(atPath: lxcdiagBinary), "build lxcdiag first")
)
struct TraceHelpTests {
    @Test("help teaches the headline use first and keeps --hop/--side among the advanced options")
    func help() throws {
        let run = try lxcdiag(["trace", "--help"])
        #expect(run.status == 0)
        #expect(run.output.contains("  lxcdiag trace --from ext --to ct1\n"))
        #expect(run.output.contains("iface:NAME"))
        let advanced = try #require(run.output.range(of: "ADVANCED OPTIONS:"))
        let options = try #require(run.output.range(of: "\nOPTIONS:"))
        let hop = try #require(run.output.range(of: "  --hop <PLACE/IFACE[=ROLE]>"))
        #expect(advanced.lowerBound < hop.lowerBound && hop.lowerBound < options.lowerBound)
    }
}
