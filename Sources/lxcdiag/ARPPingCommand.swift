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
                timestamp of the reply, as ping(8) measures. Exit status as arping's: 0 when answered, 1 when not.

                Example:
                  lxcdiag arp ping 192.0.2.10 --from netns:lab-ext -c 3 -i 0.2
                """
        )

        @OptionGroup var vantage: ARPVantageOptions

        @Argument(help: "The IPv4 address to ask for.")
        var target: String

        @Option(name: .short, help: "Send this many requests (default 4, or until -w).")
        var count: Int?

        @Option(name: .short, help: "Time between requests (seconds, or 250ms).")
        var interval: String = "1"

        @Option(name: .short, help: "Stop after this long; with -c, stop once that many replies came.")
        var w: String?

        @Flag(help: "After the first reply, send to its MAC instead of broadcasting (like iputils arping).")
        var unicast = false

        @Flag(help: "Print one JSON document.")
        var json = false

        func validate() throws {
            guard IPv4Address(target) != nil else { throw ValidationError("\(target) is not an IPv4 address") }
            if let count, count < 1 { throw ValidationError("-c must be at least 1") }
            let intervalNs = try requireDuration(interval, option: "-i")
            if intervalNs < 1_000_000 { throw ValidationError("-i must be at least 1ms") }
            if let w { _ = try requireDuration(w, option: "-w") }
        }

        func run() throws {
            try reportingErrors {
                try requireRoot("arp ping")
                let address = IPv4Address(target)!
                let intervalNs = parseDuration(interval)!
                let plan = PingPlan(
                    target: address,
                    count: count ?? (w == nil ? 4 : nil),
                    intervalNs: intervalNs,
                    deadlineNs: w.flatMap(parseDuration),
                    unicastAfterReply: unicast
                )
                let link = try vantage.openLink(towards: address)
                if !json {
                    print(
                        "ARPING \(address) from \(link.ip) \(link.mac) on \(link.label)/\(link.interface)\(vlanNote(link))"
                    )
                }
                let report = try arpPing(on: link, plan) { reply in
                    guard !json else { return }
                    print("reply from \(address) [\(reply.mac)]  seq=\(reply.sequence)  \(milliseconds(reply.rttNs))")
                }
                if json {
                    try printJSON(PingDocument(report, link: link))
                } else {
                    print("sent \(report.sent) requests, received \(report.replies.count) replies")
                    if report.macs.count > 1 {
                        print(
                            "warning: \(address) answered by \(report.macs.count) MACs: "
                                + report.macs.map(\.description).joined(separator: ", ")
                        )
                    }
                }
                if !report.answered { throw ExitCode(ExitStatus.checkFailed.rawValue) }
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

    init(_ report: PingReport, link: ARPLink) {
        target = report.target.description
        interface = link.interface
        vlan = link.vlan
        sent = report.sent
        replies = report.replies.map { Reply(sequence: $0.sequence, mac: $0.mac.description, rtt_ns: $0.rttNs) }
        macs = report.macs.map(\.description)
    }
}
