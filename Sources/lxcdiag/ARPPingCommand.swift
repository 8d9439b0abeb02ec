import ARPSuite
import ArgumentParser
import Foundation
import PacketCodec

extension LXCDiag.ARP {
    /// `lxcdiag arp ping TARGET`: ARP round trips like arping.
    struct Ping: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send ARP requests to an address and time every reply, like arping.",
            discussion: """
                Requests are broadcast every time (unless --unicast), so every station answering for the \
                address is heard; more than one MAC answering is reported (a duplicate address or ARP flux). \
                Round trips run from just before the request goes to the kernel to the kernel's receive \
                timestamp of the reply, as ping(8) measures, and summed up as ping prints them \
                (`rtt min/avg/max/mdev = ... ms`). Exit status as Habets arping's with -d: 0 when one MAC \
                answered, 1 when none did or when two or more MACs answered (a duplicate address or ARP flux); \
                -q prints nothing and only sets it.

                A run is bounded: it ends after -w, else after -c × -i (at most 24h). Ctrl-C stops it early; \
                the summary is printed, with "interrupted", and the exit status is 130.

                Example:
                  lxcdiag arp ping 192.0.2.10 --from netns:lab-ext -c 3 -i 0.2
                  lxcdiag arp ping 192.0.2.10 --from ext -q -c 2 || echo "silent or duplicated"
                """
        )

        @OptionGroup var vantage: ARPVantageOptions

        @Argument(help: "The IPv4 address to ask for.")
        var target: String

        @Option(name: [.short, .long], help: "Send this many requests, 1...1000000 (default 4, or until -w).")
        var count: Int?

        @Option(
            name: [.short, .long],
            help: "Time between requests, \(DurationRange.interval) (seconds, or 250ms, 2s, 1m)."
        )
        var interval: String = "1"

        @Option(
            name: [.customShort("w"), .customLong("deadline")],
            help: ArgumentHelp(
                "Stop after this long, \(DurationRange.run); with -c, stop once that many replies came.",
                valueName: "duration"
            )
        )
        var w: String?

        @Flag(help: "After the first reply, send to its MAC instead of broadcasting (like iputils arping).")
        var unicast = false

        @Flag(help: "Print one JSON document (schema lxcdiag.arpping/1, see docs/arp.md).")
        var json = false

        @Flag(name: [.short, .long], help: "Print nothing; only the exit status says what happened (as arping -q).")
        var quiet = false

        static let counts = 1...1_000_000

        func validate() throws {
            guard IPv4Address(target) != nil else { throw ValidationError("\(target) is not an IPv4 address") }
            if quiet && json { throw ValidationError("-q prints nothing and --json prints a document; choose one") }
            _ = try usageChecked { () throws(ARPError) in try plan(for: .any) }
        }

        /// The checked plan: every value in its range, and the whole run within a day.
        func plan(for address: IPv4Address) throws(ARPError) -> PingPlan {
            if let count { _ = try checkCount(count, Self.counts, option: "-c") }
            let intervalNs = try DurationRange.interval.parse(interval, option: "-i")
            let deadlineNs: UInt64?
            if let w { deadlineNs = try DurationRange.run.parse(w, option: "-w") } else { deadlineNs = nil }
            let plan = PingPlan(
                target: address,
                count: count ?? (w == nil ? 4 : nil),
                intervalNs: intervalNs,
                deadlineNs: deadlineNs,
                unicastAfterReply: unicast
            )
            if plan.longestRunNs > longestRunNs {
                throw ARPError(
                    .usage,
                    "-c \(count ?? 4) × -i \(interval) is longer than \(formatDuration(longestRunNs)); "
                        + "lower -c or -i, or bound the run with -w"
                )
            }
            return plan
        }

        func run() throws {
            try reportingErrors {
                try requireRoot("arp ping")
                let address = IPv4Address(target)!
                let plan = try plan(for: address)
                try interruptible { stop in
                    let link = try vantage.openLink(towards: address)
                    if !json && !quiet {
                        printLine(
                            "ARPING \(address) from \(link.ip) \(link.mac) on \(link.label)/\(link.interface)"
                                + vlanNote(link)
                        )
                    }
                    let report = try arpPing(on: link, plan, stop: stop) { reply in
                        guard !json && !quiet else { return }
                        printLine(
                            "reply from \(address) [\(reply.mac)]  seq=\(reply.sequence)  \(milliseconds(reply.rttNs))"
                        )
                    }
                    if json {
                        try printJSON(PingDocument(report, link: link))
                    } else if !quiet {
                        let how = report.interrupted ? ", interrupted" : ""
                        print("sent \(report.sent) requests, received \(report.replies.count) replies\(how)")
                        if let rtt = report.rtt { print("rtt min/avg/max/mdev = \(rtt.millisecondsText) ms") }
                        if report.macs.count > 1 {
                            print(
                                "warning: \(address) answered by \(report.macs.count) MACs: "
                                    + report.macs.map(\.description).joined(separator: ", ")
                            )
                        }
                    }
                    if !report.answered || report.macs.count > 1 { throw ExitCode(ExitStatus.checkFailed.rawValue) }
                }
            }
        }
    }
}

func vlanNote(_ link: ARPLink) -> String { link.vlan.map { " vlan \($0)" } ?? "" }

/// `arp ping --json`.
struct PingDocument: Encodable {
    struct Reply: Encodable {
        var sequence: Int
        var mac: String
        var rtt_ns: UInt64
    }

    var schema = "lxcdiag.arpping/1"
    var target: String
    var interface: String
    var vlan: UInt16?
    var sent: Int
    var replies: [Reply]
    var macs: [String]
    var interrupted: Bool
    /// min/avg/max/mdev in ns (as ping's summary line); null when nothing answered.
    var rtt: RTT?

    struct RTT: Encodable {
        var minNs, avgNs, maxNs, mdevNs: UInt64
    }

    init(_ report: PingReport, link: ARPLink) {
        target = report.target.description
        interface = link.interface
        vlan = link.vlan
        sent = report.sent
        replies = report.replies.map { Reply(sequence: $0.sequence, mac: $0.mac.description, rtt_ns: $0.rttNs) }
        macs = report.macs.map(\.description)
        interrupted = report.interrupted
        rtt = report.rtt.map { RTT(minNs: $0.minNs, avgNs: $0.avgNs, maxNs: $0.maxNs, mdevNs: $0.mdevNs) }
    }
}
