import ARPSuite
import ArgumentParser
import Foundation
import LinuxNet
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

                Examples:
                  lxcdiag arp watch --all-namespaces --duration 30s --json
                  lxcdiag arp watch --from ext --database /var/lib/lxcdiag/arp.dat
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

        func validate() throws {
            _ = try usageChecked { () throws(ARPError) in try durationNs() }
        }

        /// The checked `--duration`, nil for until Ctrl-C.
        func durationNs() throws(ARPError) -> UInt64? {
            guard let duration else { return nil }
            return try DurationRange.run.parse(duration, option: "--duration")
        }

        func run() throws {
            try reportingErrors {
                try requireRoot("arp watch")
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
                let watch = ARPWatch(state: state) { event in
                    heardAt.note(event.ip, event.location)
                    let wallNs = startWall + (event.timeNs >= start ? event.timeNs - start : 0)
                    // One write per event: lines from several listener threads never interleave, and each
                    // reaches a pipe at once rather than when a buffer fills.
                    let line =
                        json ? (try? jsonLine(WatchEventDocument(event, wallNs: wallNs))) ?? "" : describeEvent(event)
                    FileHandle.standardOutput.write(Data((line + "\n").utf8))
                }
                try interruptible { stop in
                    if !json {
                        printLine(
                            "watching \(interfaces(points.count)): " + points.map(\.location).joined(separator: " ")
                        )
                    }
                    let failures = try watch.run(on: points, durationNs: durationNs, stopRequest: stop)
                    if let database {
                        known.stations = watch.knownStations
                        known.locations.merge(heardAt.all) { _, new in new }
                        try known.save(database, writtenAt: Int(Date().timeIntervalSince1970))
                    }
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
