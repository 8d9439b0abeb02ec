import ARPSuite
import ArgumentParser
import Foundation
import LinuxNet
import PacketCapture
import PacketCodec

extension LXCDiag.ARP {
    /// `lxcdiag arp watch`: arpwatch for the host and its containers.
    struct Watch: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Watch ARP passively: new stations, MAC changes and flip-flops, duplicates, unanswered requests.",
            discussion: """
                Listens on every interface of the endpoint (default the host), and with --all-namespaces on \
                every interface of every namespace under /run/netns and of every running LXC container that \
                lxc-ls lists from here. Ends on Ctrl-C (exit 130) or after --duration; it only opens sockets, \
                so nothing is left behind. The text output ends with a summary line ("interrupted" after Ctrl-C); \
                --json prints only the events. The first line says what is watched ("watching 3 interfaces: ..."), \
                before any event.

                --database FILE keeps the stations between runs, as arpwatch's arp.dat does (same tab-separated \
                lines: MAC, address, time, where last heard): a station it lists is no "new station" next time, \
                only a change, flip-flop or duplicate of it is. The file is written when the watch ends.

                -r FILE reads a capture instead of listening (as arpwatch -r): pcap or pcapng, as tcpdump -w, \
                tshark -w or dumpcap write it, of Ethernet or of tcpdump -i any (Linux cooked). Its frames are \
                taken in file order at their capture times and give the events watching live would have given; \
                events name the file as where they were seen. Reading needs no privileges.

                --syslog also sends every event to the local syslog socket (/dev/log, or $LXCDIAG_SYSLOG_SOCKET), \
                as arpwatch does: LOG_DAEMON, info for new stations, gratuitous ARP and unanswered requests, notice \
                for changes and flip-flops, warning for duplicates, tagged lxcdiag-arpwatch.

                Examples:
                  lxcdiag arp watch --all-namespaces --duration 30s --json
                  lxcdiag arp watch --from ext --database /var/lib/lxcdiag/arp.dat --syslog
                  lxcdiag arp watch -r /tmp/arp.pcap
                """
        )

        @OptionGroup var endpoint: ARPEndpointOptions

        @Option(name: [.customShort("I"), .customLong("interface")], help: "Watch only this interface.")
        var interface: String?

        @Flag(help: "Also watch every namespace under /run/netns.")
        var allNamespaces = false

        @Option(help: "Stop after this long (like 30s), \(DurationRange.run); default until Ctrl-C.")
        var duration: String?

        @Flag(help: "Print one JSON object per event (schema lxcdiag.arpwatch/1, see docs/arp.md).")
        var json = false

        @Option(
            help: ArgumentHelp("Keep the stations known between runs in FILE (arpwatch's arp.dat).", valueName: "FILE")
        )
        var database: String?

        @Option(
            name: [.customShort("r"), .customLong("read")],
            help: ArgumentHelp("Read the frames of a pcap or pcapng file instead of listening.", valueName: "FILE")
        )
        var readFile: String?

        @Flag(help: "Also send every event to syslog (/dev/log, or $LXCDIAG_SYSLOG_SOCKET).")
        var syslog = false

        func validate() throws {
            _ = try usageChecked { () throws(ARPError) in try durationNs() }
            if readFile != nil && (allNamespaces || interface != nil || duration != nil) {
                throw ValidationError("-r reads a file; drop --all-namespaces, -I and --duration")
            }
        }

        /// The checked `--duration`, nil for until Ctrl-C.
        func durationNs() throws(ARPError) -> UInt64? {
            guard let duration else { return nil }
            return try DurationRange.run.parse(duration, option: "--duration")
        }

        func run() throws {
            try reportingErrors {
                if readFile == nil { try requireRoot("arp watch") }
                // Opened first: a missing syslog socket stops the watch before it starts.
                let syslogSocket = try syslog ? openSyslog() : nil
                var state = WatchState()
                var known = StationDatabase()
                if let database {
                    let (loaded, skipped) = try StationDatabase.load(database)
                    if skipped > 0 {
                        FileHandle.standardError.write(
                            Data(
                                "lxcdiag: note: --database \(database): \(skipped) lines not understood, skipped\n".utf8
                            )
                        )
                    }
                    known = loaded
                    for (ip, mac) in loaded.stations { state.remember(ip, at: mac) }
                }
                let heardAt = LockedLocations()
                let json = json
                let report = { @Sendable (event: WatchEvent, wallNs: UInt64) in
                    heardAt.note(event.ip, event.location)
                    // One write per event: lines from several listener threads never interleave, and each
                    // reaches a pipe at once rather than when a buffer fills.
                    let line =
                        json ? (try? jsonLine(WatchEventDocument(event, wallNs: wallNs))) ?? "" : describeEvent(event)
                    FileHandle.standardOutput.write(Data((line + "\n").utf8))
                    syslogSocket?.send(describeEvent(event), severity: event.kind.syslogSeverity)
                }
                // Called before the summary, inside the watch: after Ctrl-C the process exits once it returns.
                let saveStations = { (stations: [IPv4Address: MACAddress]) throws in
                    guard let database else { return }
                    known.stations = stations
                    known.locations.merge(heardAt.all) { _, new in new }
                    try known.save(database, writtenAt: Int(Date().timeIntervalSince1970))
                }
                if let readFile {
                    try replay(readFile, state: state, report: report, save: saveStations)
                } else {
                    try watchLive(state: state, report: report, save: saveStations)
                }
            }
        }

        private func openSyslog() throws -> SyslogSocket {
            do { return try SyslogSocket(tag: "lxcdiag-arpwatch") } catch {
                throw CommandFailure(
                    message: "--syslog: \(error) (is a syslog daemon running?)",
                    status: .environment
                )
            }
        }

        /// `-r FILE`: every frame of the file through the watch state; `save` gets the stations known at its end.
        private func replay(
            _ path: String,
            state initial: WatchState,
            report: (WatchEvent, UInt64) -> Void,
            save: ([IPv4Address: MACAddress]) throws -> Void
        ) throws {
            let reader = try CaptureFileReader(path: path)
            guard let linkName = ARPFrame.readableLinkTypes[reader.linkType] else {
                throw CommandFailure(
                    message: "-r \(path): link type \(reader.linkType) is not Ethernet or Linux cooked capture",
                    status: .usage
                )
            }
            var state = initial
            var replay = CaptureReplay(location: path, linkType: reader.linkType)
            var events = 0
            if !json { printLine("reading \(path) (\(linkName))") }
            while let frame = try reader.next() {
                for event in replay.take(frame.bytes, timeNs: frame.timestampNs, into: &state) {
                    events += 1
                    report(event, event.timeNs)
                }
            }
            try save(state.knownStations)
            if !json {
                print("read \(replay.frameCount) frames (\(replay.arpCount) ARP) from \(path): \(events) events")
            }
        }

        /// Listens on the endpoint's interfaces (and with --all-namespaces every namespace's) until Ctrl-C or
        /// --duration; `save` gets the stations known at the end.
        private func watchLive(
            state: WatchState,
            report: @escaping @Sendable (WatchEvent, UInt64) -> Void,
            save: ([IPv4Address: MACAddress]) throws -> Void
        ) throws {
            let vantage = try endpoint.resolve()
            var points = try WatchPoint.all(in: vantage.namespace, label: vantage.label)
            if allNamespaces {
                // The endpoint's own namespace may also be listed under /run/netns (as with -n): watch it once.
                let own = try? vantage.namespace.identity()
                var others: [(NetworkNamespace, String)] = []
                for name in namespaceNames() where (try? NetworkNamespace.named(name).identity()) != own {
                    others.append((.named(name), "netns:\(name)"))
                }
                for (name, pid) in runningContainers() { others.append((.pid(pid), name)) }
                // A host with a thousand containers: listed a few namespaces at a time, not one by one.
                points += WatchPoint.all(in: others)
            }
            if let interface { points = points.filter { $0.interface == interface } }
            guard !points.isEmpty else {
                throw CommandFailure(message: "no interface to watch at \(vantage.label)", status: .usage)
            }
            let durationNs = try durationNs()
            let json = json
            let start = monotonicNanoseconds()
            let startWall = realtimeNanoseconds()
            let watch = ARPWatch(state: state) { event in
                report(event, startWall + (event.timeNs >= start ? event.timeNs - start : 0))
            }
            try interruptible { stop in
                if !json {
                    printLine("watching \(interfaces(points.count)): " + points.map(\.location).joined(separator: " "))
                }
                let failures = try watch.run(on: points, durationNs: durationNs, stopRequest: stop)
                try save(watch.knownStations)
                for failure in failures { FileHandle.standardError.write(Data("lxcdiag: \(failure)\n".utf8)) }
                if !json {
                    let seconds = String(format: "%.3f", Double(monotonicNanoseconds() - start) / 1e9)
                    let how = stop.isStopped ? ", interrupted" : ""
                    print("watched \(interfaces(points.count)) for \(seconds) s: \(watch.eventCount) events\(how)")
                }
            }
        }
    }
}

extension WatchEvent.Kind {
    /// The syslog severity arpwatch would give it: news is info, a change notice, two MACs at once a warning.
    var syslogSeverity: SyslogSocket.Severity {
        switch self {
        case .newStation, .gratuitous, .unanswered: .info
        case .changed, .flipFlop: .notice
        case .duplicate: .warning
        }
    }
}

/// Running LXC containers whose command socket this namespace sees, with their init's pid. The shared
/// container resolver replaces this when it lands.
private func runningContainers() -> [(String, Int32)] {
    guard let list = try? ExternalCommand.run(["lxc-ls", "-1", "--running"], timeoutSeconds: 10), list.status == 0
    else { return [] }
    return list.standardOutput.split(whereSeparator: \.isWhitespace).compactMap { name in
        let info = try? ExternalCommand.run(["lxc-info", "-n", String(name), "-p", "-H"], timeoutSeconds: 10)
        guard let text = info?.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines), let pid = Int32(text)
        else { return nil }
        return (String(name), pid)
    }
}

/// The namespaces `ip netns` knows.
private func namespaceNames() -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: "/run/netns")) ?? []).sorted()
}

/// `1 interface`, `3 interfaces`.
private func interfaces(_ count: Int) -> String { count == 1 ? "1 interface" : "\(count) interfaces" }

/// Where each station was last heard, filled from the listener threads.
private final class LockedLocations: @unchecked Sendable {
    // Safe: `locations` is only touched while holding `lock`.
    private let lock = NSLock()
    private var locations: [IPv4Address: String] = [:]

    func note(_ ip: IPv4Address, _ location: String) { lock.withLock { locations[ip] = location } }
    var all: [IPv4Address: String] { lock.withLock { locations } }
}

/// One line for a watch event.
func describeEvent(_ event: WatchEvent) -> String {
    let place = "[\(event.location)]"
    switch event.kind {
    case .newStation: return "new station \(event.ip) at \(event.mac) \(place)"
    case .changed:
        return "changed: \(event.ip) moved from \(event.previousMAC?.description ?? "?") to \(event.mac) \(place)"
    case .flipFlop:
        return "flip-flop: \(event.ip) back to \(event.mac) from \(event.previousMAC?.description ?? "?") \(place)"
    case .duplicate:
        return "duplicate: \(event.ip) answered by \(event.mac) and \(event.previousMAC?.description ?? "?") \(place)"
    case .gratuitous: return "gratuitous: \(event.ip) is at \(event.mac) \(place)"
    case .unanswered: return "unanswered: who-has \(event.ip) from \(event.mac) \(place)"
    }
}

/// `arp watch --json`: one `lxcdiag.arpwatch/1` object per line.
struct WatchEventDocument: Encodable {
    var schema = "lxcdiag.arpwatch/1"
    var event: String
    var ip: String
    var mac: String
    var previous_mac: String?
    var location: String
    var time_ns: UInt64
    /// `time_ns` as a string: it exceeds 2^53, where jq and JavaScript round.
    var time_ns_string: String

    init(_ event: WatchEvent, wallNs: UInt64) {
        self.event = event.kind.rawValue
        ip = event.ip.description
        mac = event.mac.description
        previous_mac = event.previousMAC?.description
        location = event.location
        time_ns = wallNs
        time_ns_string = String(wallNs)
    }
}
