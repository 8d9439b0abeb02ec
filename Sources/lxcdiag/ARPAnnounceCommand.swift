import ARPSuite
import ArgumentParser
import Foundation
import PacketCodec

extension LXCDiag.ARP {
    /// `lxcdiag arp announce ADDR`: gratuitous ARP after a move.
    struct Announce: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send gratuitous ARP so neighbours learn an address's new MAC (after a move or failover).",
            discussion: """
                Announces ADDR at the interface's MAC in request form, reply form, or both (default), \
                -c rounds -i apart (at most 24h in all). Neighbours holding an entry for the address update it \
                at once.

                Example:
                  lxcdiag arp announce 192.0.2.10 -n lab-ct1 -I eth0 -c 2
                """
        )

        @OptionGroup var vantage: ARPVantageOptions

        @Argument(help: "The IPv4 address to announce (default: the interface's own).")
        var address: String?

        @Option(help: "request, reply or both.")
        var form: String = AnnouncementForm.both.rawValue

        @Option(name: [.short, .long], help: "How many rounds, 1...100.")
        var count: Int = 3

        @Option(name: [.short, .long], help: "Time between rounds, \(DurationRange.interval).")
        var interval: String = "1"

        func validate() throws {
            if let address, IPv4Address(address) == nil {
                throw ValidationError("\(address) is not an IPv4 address")
            }
            guard AnnouncementForm(rawValue: form) != nil else {
                throw ValidationError("--form must be request, reply or both")
            }
            _ = try usageChecked { () throws(ARPError) in try timing() }
        }

        /// The checked round count and interval: each in its range, the whole run within a day.
        func timing() throws(ARPError) -> (rounds: Int, intervalNs: UInt64) {
            let rounds = try checkCount(count, 1...100, option: "-c")
            let intervalNs = try DurationRange.interval.parse(interval, option: "-i")
            guard Nanoseconds.product(rounds - 1, intervalNs) <= longestRunNs else {
                throw ARPError(.usage, "-c \(count) × -i \(interval) is longer than \(formatDuration(longestRunNs))")
            }
            return (rounds, intervalNs)
        }

        func run() throws {
            try reportingErrors {
                try requireRoot("arp announce")
                let wanted = address.flatMap(IPv4Address.init)
                let link = try vantage.openLink(towards: wanted)
                let announced = wanted ?? link.ip
                guard announced != .any else {
                    throw CommandFailure(
                        message: "\(link.interface) at \(link.label) has no IPv4 address; name the address to announce",
                        status: .usage
                    )
                }
                let timing = try timing()
                let frames = try announceAddress(
                    on: link,
                    address: announced,
                    form: AnnouncementForm(rawValue: form)!,
                    count: timing.rounds,
                    intervalNs: timing.intervalNs
                )
                print("announced \(announced) at \(link.mac) on \(link.label)/\(link.interface): \(frames) frames")
            }
        }
    }
}
