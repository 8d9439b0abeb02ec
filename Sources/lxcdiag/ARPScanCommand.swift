import ARPSuite
import ArgumentParser
import Foundation
import PacketCodec

extension LXCDiag.ARP {
    /// `lxcdiag arp scan CIDR`: who answers on a subnet, like arp-scan.
    struct Scan: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sweep a subnet with ARP: responders, vendors, duplicate addresses and ARP flux.",
            discussion: """
                Frames leave at most at --rate (default 480/s, just under arp-scan's default of about 485/s). Silent addresses are \
                retried after a timeout learned from the replies already seen; with the default adaptive \
                policy every responder is re-asked once to measure loss, and silent addresses are retried \
                only when a re-ask went unanswered or fewer than 8 stations answered. --retry-policy always \
                retries every silent address like arp-scan. Ranges larger than a /16 need --force.

                Example:
                  lxcdiag arp scan 192.0.2.0/24 --from netns:lab-ext -I eth0 --json
                """
        )

        @OptionGroup var vantage: ARPVantageOptions

        @Argument(help: "The subnet to sweep, like 192.0.2.0/24.")
        var cidr: String

        @Option(help: "Frames per second at most.")
        var rate: Int = ScanPlan.defaultRate

        @Option(help: "Retries per silent address at most.")
        var retries: Int = 1

        @Option(help: "When to retry silent addresses: adaptive or always.")
        var retryPolicy: String = RetryPolicy.adaptive.rawValue

        @Flag(help: "Allow ranges larger than a /16.")
        var force = false

        @Option(help: "The IEEE OUI list for vendor names.")
        var ouiFile: String = OUIRegistry.systemPath

        @Flag(help: "Print one JSON document (schema lxcdiag.arpscan/1).")
        var json = false

        func validate() throws {
            guard let network = IPv4Network(cidr) else { throw ValidationError("\(cidr) is not an IPv4 CIDR") }
            if network.prefixLength < ScanPlan.largestUnforcedPrefix && !force {
                throw ValidationError("\(cidr) holds \(network.size) addresses; ranges beyond a /16 need --force")
            }
            guard (1...100_000).contains(rate) else { throw ValidationError("--rate must be 1...100000") }
            guard (0...10).contains(retries) else { throw ValidationError("--retries must be 0...10") }
            guard RetryPolicy(rawValue: retryPolicy) != nil else {
                throw ValidationError("--retry-policy must be adaptive or always")
            }
        }

        func run() throws {
            try reportingErrors {
                try requireRoot("arp scan")
                let network = IPv4Network(cidr)!
                let link = try vantage.openLink(towards: network.networkAddress)
                var report = try arpScan(
                    on: link,
                    ScanPlan(
                        network: network,
                        ratePerSecond: rate,
                        maxRetries: retries,
                        policy: RetryPolicy(rawValue: retryPolicy)!
                    )
                )
                report.table.attachVendors(OUIRegistry.load(path: ouiFile, for: report.table.responders.map(\.mac)))
                if json {
                    try printJSON(ScanDocument(report))
                } else {
                    printScan(report, link: link)
                }
            }
        }

        private func printScan(_ report: ScanReport, link: ARPLink) {
            print("scanning \(report.network) on \(link.label)/\(link.interface)\(vlanNote(link)) from \(link.ip)")
            for responder in report.table.responders {
                let rtt = responder.rttNs.map(milliseconds) ?? "-"
                let padded = responder.ip.description.padding(toLength: 16, withPad: " ", startingAt: 0)
                print("\(padded)\(responder.mac)  \(rtt)  \(responder.vendor ?? "(unknown vendor)")")
            }
            for conflict in report.table.conflicts {
                let macs = conflict.macs.map(\.description).joined(separator: ", ")
                switch conflict.cause {
                case .duplicate:
                    print(
                        "duplicate: \(conflict.ip) answered by \(macs) (two stations, or one host answering on two interfaces)"
                    )
                case .flux: print("ARP flux: \(conflict.ip) answered by \(macs) (one host, several interfaces)")
                }
            }
            for heard in report.announcements { print("gratuitous ARP seen: \(heard.ip) is at \(heard.mac)") }
            let seconds = String(format: "%.3f", Double(report.elapsedNs) / 1e9)
            print(
                "\(report.table.addressCount) addresses answered, \(report.framesSent) frames in \(seconds) s, "
                    + "timeout \(milliseconds(report.learnedTimeoutNs)), "
                    + "loss re-asks \(report.lossProbes.confirmed) answered / \(report.lossProbes.lost) lost"
            )
        }
    }
}

/// `arp scan --json`: `lxcdiag.arpscan/1`.
struct ScanDocument: Encodable {
    struct Responder: Encodable {
        var ip: String
        var mac: String
        var rtt_ns: UInt64?
        var vendor: String?

        enum CodingKeys: String, CodingKey {
            case ip, mac, rtt_ns, vendor
        }

        /// Writes every key, null included, as the schema promises.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(ip, forKey: .ip)
            try container.encode(mac, forKey: .mac)
            try container.encode(rtt_ns, forKey: .rtt_ns)
            try container.encode(vendor, forKey: .vendor)
        }
    }

    struct Duplicate: Encodable {
        var ip: String
        var macs: [String]
        var cause: String
    }

    struct Announcement: Encodable {
        var ip: String
        var mac: String
    }

    var schema = "lxcdiag.arpscan/1"
    var interface: String
    var network: String
    var responders: [Responder]
    var duplicates: [Duplicate]
    var gratuitous: [Announcement]
    var frames_sent: Int
    var elapsed_ns: UInt64

    init(_ report: ScanReport) {
        interface = report.interface
        network = report.network.description
        responders = report.table.responders.map {
            Responder(ip: $0.ip.description, mac: $0.mac.description, rtt_ns: $0.rttNs, vendor: $0.vendor)
        }
        duplicates = report.table.conflicts.map {
            Duplicate(ip: $0.ip.description, macs: $0.macs.map(\.description), cause: $0.cause.rawValue)
        }
        gratuitous = report.announcements.map { Announcement(ip: $0.ip.description, mac: $0.mac.description) }
        frames_sent = report.framesSent
        elapsed_ns = report.elapsedNs
    }
}
