import ARPSuite
import ArgumentParser
import Foundation
import PacketCodec

extension LXCDiag.ARP {
    /// `lxcdiag arp dad ADDR`: is an address free to use?
    struct DAD: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "dad",
            abstract: "Check whether an address is in use (RFC 5227 duplicate address detection).",
            discussion: """
                Sends ARP probes with sender 0.0.0.0, so no neighbour cache learns anything, and listens for any \
                station claiming the address or probing for it too. Exit 0 when free, 1 with the conflicting \
                MACs when in use. A run lasts (-c - 1) × -i + --wait, at most 24h.

                Example:
                  lxcdiag arp dad 192.0.2.50 -n lab-ct1 -I eth0
                """
        )

        @OptionGroup var vantage: ARPVantageOptions

        @Argument(help: "The IPv4 address to check.")
        var address: String

        @Option(name: [.short, .long], help: "How many probes, 1...100.")
        var count: Int = 3

        @Option(name: [.short, .long], help: "Time between probes, \(DurationRange.interval).")
        var interval: String = "1"

        @Option(help: "How long to listen after the last probe, \(DurationRange.interval).")
        var wait: String = "1"

        @Flag(help: "Print one JSON document.")
        var json = false

        func validate() throws {
            guard IPv4Address(address) != nil else { throw ValidationError("\(address) is not an IPv4 address") }
            _ = try usageChecked { () throws(ARPError) in try timing() }
        }

        /// The checked probe count, interval and wait: each in its range, the whole run within a day.
        func timing() throws(ARPError) -> (probes: Int, intervalNs: UInt64, waitNs: UInt64) {
            let probes = try checkCount(count, 1...100, option: "-c")
            let intervalNs = try DurationRange.interval.parse(interval, option: "-i")
            let waitNs = try DurationRange.interval.parse(wait, option: "--wait")
            let total = Nanoseconds.sum(Nanoseconds.product(probes - 1, intervalNs), waitNs)
            guard total <= longestRunNs else {
                throw ARPError(
                    .usage,
                    "-c \(count) × -i \(interval) with --wait \(wait) is longer than \(formatDuration(longestRunNs))"
                )
            }
            return (probes, intervalNs, waitNs)
        }

        func run() throws {
            try reportingErrors {
                try requireRoot("arp dad")
                let target = IPv4Address(address)!
                let link = try vantage.openLink(towards: target)
                let timing = try timing()
                let report = try detectAddressConflict(
                    on: link,
                    address: target,
                    probes: timing.probes,
                    intervalNs: timing.intervalNs,
                    waitNs: timing.waitNs
                )
                if json {
                    try printJSON(DADDocument(report, interface: link.interface))
                } else if report.inUse {
                    for claim in report.claims {
                        let how = claim.evidence == .claims ? "claims it" : "is probing for it too"
                        print("conflict: \(target) is in use: \(claim.mac) \(how)")
                    }
                } else {
                    print("\(target) is free on \(link.label)/\(link.interface) (\(report.probesSent) probes)")
                }
                if report.inUse { throw ExitCode(ExitStatus.checkFailed.rawValue) }
            }
        }
    }
}

/// `arp dad --json`.
struct DADDocument: Encodable {
    struct Claim: Encodable {
        var mac: String
        var evidence: String
    }

    var schema = "lxcdiag.arpdad/1"
    var address: String
    var interface: String
    var probes_sent: Int
    var in_use: Bool
    var conflicts: [Claim]

    init(_ report: DADReport, interface: String) {
        address = report.address.description
        self.interface = interface
        probes_sent = report.probesSent
        in_use = report.inUse
        conflicts = report.claims.map { Claim(mac: $0.mac.description, evidence: $0.evidence.rawValue) }
    }
}
