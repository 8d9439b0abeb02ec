import ARPSuite
import ArgumentParser
import Foundation
import PacketCapture
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
                retries every silent address like arp-scan. Ranges larger than a /16 need --force; a /8 is the \
                largest. A sweep is bounded: addresses × (--retries + 2) frames at --rate, plus the timeouts, at \
                most 24h, or the plan is refused.

                Each responder is printed as its first reply arrives; duplicates, ARP flux and the summary follow \
                at the end. Ctrl-C (or SIGTERM) stops sending and prints the summary, marked "interrupted", with \
                how many addresses were asked; --json then prints the document with "interrupted": true. The exit \
                status is 130 after Ctrl-C.

                What to sweep, as arp-scan takes it: a CIDR, --localnet (the interface's own network) or -f FILE \
                (one address or CIDR per line; # starts a comment). --random asks in random order. A MAC with the \
                locally administered bit (veth, macvlan and most container MACs) shows "(locally administered)" \
                where a vendor would be. --plain prints only the responder lines; --format prints each with \
                arp-scan's fields: ${ip}, ${mac}, ${vendor}, ${rtt}, ${dup} (a second MAC for one address), each \
                with an optional width (${ip;-15} pads to 15, left-aligned; ${ip;15} right-aligned).

                Examples:
                  lxcdiag arp scan 192.0.2.0/24 --from netns:lab-ext -I eth0 --json
                  lxcdiag arp scan --localnet --from ext --plain
                  lxcdiag arp scan -f targets.txt --from ext --random --format '${ip;-15} ${mac}'
                """
        )

        @OptionGroup var vantage: ARPVantageOptions

        @Argument(help: "The subnet to sweep, like 192.0.2.0/24 (or --localnet, or -f FILE).")
        var cidr: String?

        @Flag(name: [.short, .long], help: "Sweep the network of the interface's own address (as arp-scan -l).")
        var localnet = false

        @Option(
            name: [.short, .customLong("file")],
            help: ArgumentHelp(
                "Ask the addresses and CIDRs listed in FILE, one per line (as arp-scan -f).",
                valueName: "FILE"
            )
        )
        var file: String?

        @Flag(name: [.customShort("R"), .long], help: "Ask the addresses in random order (as arp-scan -R).")
        var random = false

        @Flag(
            name: [.customShort("x"), .long],
            help: "Print only the responder lines, no header or summary (as arp-scan -x)."
        )
        var plain = false

        @Option(
            help: ArgumentHelp(
                "Print each responder with arp-scan's fields, e.g. '${ip}\\t${mac}'.",
                valueName: "FORMAT"
            )
        )
        var format: String?

        @Option(
            name: [.customShort("W"), .customLong("pcapsavefile")],
            help: ArgumentHelp(
                "Write every frame the scan sent and received to FILE, a pcapng file (as arp-scan -W).",
                valueName: "FILE"
            )
        )
        var pcapSaveFile: String?

        @Option(help: "Frames per second at most, \(Self.rates).")
        var rate: Int = ScanPlan.defaultRate

        @Option(help: "Retries per silent address at most, \(Self.retryCounts).")
        var retries: Int = 1

        @Option(help: "When to retry silent addresses: adaptive or always.")
        var retryPolicy: String = RetryPolicy.adaptive.rawValue

        @Flag(help: "Allow ranges larger than a /16 (up to a /\(Self.largestPrefix)).")
        var force = false

        @Option(help: "The IEEE OUI list for vendor names.")
        var ouiFile: String = OUIRegistry.systemPath

        @Flag(help: "Print one JSON document (schema lxcdiag.arpscan/1).")
        var json = false

        static let rates = 1...100_000
        static let retryCounts = 0...10
        /// The largest range even --force sweeps: 16 M targets, already far beyond any broadcast domain.
        static let largestPrefix = 8

        func validate() throws {
            let sources = [cidr != nil, localnet, file != nil].filter { $0 }.count
            guard sources == 1 else {
                throw ValidationError("name what to sweep once: a CIDR, --localnet or -f FILE")
            }
            if let cidr, IPv4Network(cidr) == nil { throw ValidationError("\(cidr) is not an IPv4 CIDR") }
            guard RetryPolicy(rawValue: retryPolicy) != nil else {
                throw ValidationError("--retry-policy must be adaptive or always")
            }
            if json && (plain || format != nil) {
                throw ValidationError("--json prints a document; drop --plain/--format")
            }
            if let pcapSaveFile { try OutputFile.validate(pcapSaveFile, option: "-W") }
            if let format { _ = try usageChecked { () throws(ARPError) in try ResponderFormat(format) } }
            if let file {
                let (network, targets) = try usageChecked { () throws(ARPError) in try ScanTargets.read(file) }
                _ = try usageChecked { () throws(ARPError) in try plan(network, targets: targets) }
            } else if let network = cidr.flatMap(IPv4Network.init) {
                _ = try usageChecked { () throws(ARPError) in try plan(network) }
            }
        }

        /// The checked plan: the range, rate and retries within bounds, and the sweep's hard bound within a day.
        func plan(_ network: IPv4Network, targets: [IPv4Address]? = nil) throws(ARPError) -> ScanPlan {
            let cidr = targets == nil ? network.description : file ?? network.description
            guard let policy = RetryPolicy(rawValue: retryPolicy) else {
                throw ARPError(.usage, "--retry-policy must be adaptive or always")
            }
            if targets == nil && network.prefixLength < ScanPlan.largestUnforcedPrefix && !force {
                throw ARPError(.usage, "\(cidr) holds \(network.size) addresses; ranges beyond a /16 need --force")
            }
            if targets == nil && network.prefixLength < Self.largestPrefix {
                throw ARPError(.usage, "\(cidr) holds \(network.size) addresses; arp scan sweeps at most a /8")
            }
            var plan = ScanPlan(
                network: network,
                ratePerSecond: try checkCount(rate, Self.rates, option: "--rate"),
                maxRetries: try checkCount(retries, Self.retryCounts, option: "--retries"),
                policy: policy
            )
            plan.targets = targets
            plan.randomOrder = random
            guard plan.longestRunNs <= longestRunNs else {
                throw ARPError(
                    .usage,
                    "sweeping \(cidr) at --rate \(rate) with --retries \(retries) may take up to "
                        + "\(plan.longestRunNs / 1_000_000_000) s, more than \(formatDuration(longestRunNs)); "
                        + "raise --rate, lower --retries or narrow the range"
                )
            }
            return plan
        }

        func run() throws {
            try reportingErrors {
                try requireRoot("arp scan")
                // --localnet learns its network from the link, so its plan is made once the link is open.
                let given = try file.map(ScanTargets.read) ?? cidr.flatMap(IPv4Network.init).map { ($0, nil) }
                let format = try format.map(ResponderFormat.init)
                try interruptible { stop in
                    let link = try vantage.openLink(towards: given?.0.networkAddress, firstConfigured: localnet)
                    guard let network = given?.0 ?? link.network else {
                        throw CommandFailure(
                            message: "--localnet: \(link.interface) at \(link.label) has no IPv4 network to sweep",
                            status: .usage
                        )
                    }
                    let plan = try plan(network, targets: given?.1)
                    // Created before the first frame is sent: a path that cannot be written stops the scan unsent.
                    let capture = try pcapSaveFile.map { try scanCapture($0, link: link, plan: plan) }
                    let vendors = json ? nil : VendorLookup(path: ouiFile)
                    if !json && !plain {
                        let what = plan.targets.map { "\($0.count) addresses from \(file ?? "-")" } ?? "\(plan.network)"
                        printLine(
                            "scanning \(what) on \(link.label)/\(link.interface)\(vlanNote(link)) from \(link.ip)"
                        )
                    }
                    var macsPerAddress: [IPv4Address: Int] = [:]
                    // A /16 takes minutes at the default rate: how far it got, on stderr when that is a terminal.
                    let line = ProgressLine()
                    let progress = { (asked: Int, total: Int) in
                        line.update("asked \(asked) of \(total) addresses, \(macsPerAddress.count) answered")
                    }
                    let record = capture.map { writer in
                        { (heard: LinkFrame) in
                            writer.append(
                                CapturedFrame(timestampNs: heard.wallNs, bytes: heard.bytes),
                                interface: 0,
                                note: PcapngFile.PacketNote(direction: heard.outbound ? .outbound : .inbound)
                            )
                        }
                    }
                    var report = try arpScan(on: link, plan, stop: stop, progress: progress, record: record) {
                        responder in
                        line.clear()
                        macsPerAddress[responder.ip, default: 0] += 1
                        guard let vendors else { return }
                        var named = responder
                        named.vendor = vendors.vendor(of: responder.mac)
                        let duplicate = macsPerAddress[responder.ip] ?? 1
                        printLine(format?.render(named, duplicate: duplicate) ?? describeResponder(named))
                    }
                    line.clear()
                    if let capture, let pcapSaveFile {
                        do { try capture.close() } catch {
                            throw CommandFailure(message: "-W \(pcapSaveFile): \(error)", status: .environment)
                        }
                    }
                    if json {
                        report.table.attachVendors(
                            OUIRegistry.load(path: ouiFile, for: report.table.responders.map(\.mac))
                        )
                        try printJSON(ScanDocument(report))
                    } else if !plain {
                        printScanEnd(report)
                    }
                }
            }
        }

        /// The `-W` file, created with one interface block for the link: a path that cannot be created is a usage
        /// error (exit 2), as `OutputFile.validate` makes every other one.
        private func scanCapture(_ path: String, link: ARPLink, plan: ScanPlan) throws -> PcapngWriter {
            let swept = plan.targets.map { "\($0.count) addresses from \(file ?? "-")" } ?? "\(plan.network)"
            do {
                return try PcapngWriter(
                    path: path,
                    comment: "lxcdiag arp scan of \(swept) on \(link.label)/\(link.interface) from \(link.ip)",
                    interfaces: [
                        PcapngFile.Interface(
                            name: "\(link.label):\(link.interface)",
                            description: "\(link.label), the scanning interface\(vlanNote(link))"
                        )
                    ]
                )
            } catch {
                throw CommandFailure(message: "-W: cannot create the file: \(error)", status: .usage)
            }
        }

        /// What follows the streamed responders: conflicts, overheard announcements, the summary.
        private func printScanEnd(_ report: ScanReport) {
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
            let interrupted =
                report.interrupted
                ? "interrupted after asking \(report.addressesAsked) of \(report.addressCount) addresses: " : ""
            print(
                "\(interrupted)\(report.table.addressCount) addresses answered, \(report.framesSent) frames in "
                    + "\(seconds) s, timeout \(milliseconds(report.learnedTimeoutNs)), "
                    + "loss re-asks \(report.lossProbes.confirmed) answered / \(report.lossProbes.lost) lost"
            )
        }
    }
}

/// One responder line of `arp scan`: address, MAC, first round trip, vendor.
func describeResponder(_ responder: Responder) -> String {
    let rtt = responder.rttNs.map(milliseconds) ?? "-"
    let padded = responder.ip.description.padding(toLength: 16, withPad: " ", startingAt: 0)
    return "\(padded)\(responder.mac)  \(rtt)  \(responder.vendorOrOrigin)"
}

/// `arp scan --json`: `lxcdiag.arpscan/1`.
struct ScanDocument: Encodable {
    struct Responder: Encodable {
        var ip: String
        var mac: String
        var rtt_ns: UInt64?
        var vendor: String?
        /// The MAC's U/L bit: no vendor owns it (veth, macvlan, most containers).
        var locallyAdministered: Bool
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
    var addresses: Int
    var addresses_asked: Int
    var interrupted: Bool

    init(_ report: ScanReport) {
        interface = report.interface
        network = report.network.description
        responders = report.table.responders.map {
            Responder(
                ip: $0.ip.description,
                mac: $0.mac.description,
                rtt_ns: $0.rttNs,
                vendor: $0.vendor,
                locallyAdministered: $0.mac.isLocallyAdministered
            )
        }
        duplicates = report.table.conflicts.map {
            Duplicate(ip: $0.ip.description, macs: $0.macs.map(\.description), cause: $0.cause.rawValue)
        }
        gratuitous = report.announcements.map { Announcement(ip: $0.ip.description, mac: $0.mac.description) }
        frames_sent = report.framesSent
        elapsed_ns = report.elapsedNs
        addresses = report.addressCount
        addresses_asked = report.addressesAsked
        interrupted = report.interrupted
    }
}
