import ARPSuite
import ArgumentParser
import Containers
import Foundation
import PacketCodec

extension LXCDiag {
    /// `lxcdiag arp …`: the ARP tools operators know, run from any namespace.
    struct ARP: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "arp",
            abstract: "ARP ping, scan, duplicate detection, announcements and watch, from any endpoint.",
            discussion: """
                Like arping, arp-scan and arpwatch, but run from the host, a named namespace or a registered \
                endpoint (--from), and aware of VLAN tags on trunk parents (--vlan).

                Example:
                  lxcdiag arp scan 192.0.2.0/24 --from netns:lab-ext -I eth0
                """,
            subcommands: [Ping.self, Scan.self, DAD.self, Announce.self, Watch.self]
        )
    }
}

/// Which endpoint a command works from: `--from` in the shared endpoint syntax, plus `-n` and `--endpoints`.
struct ARPEndpointOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Where to work from: host (default), a container, an endpoint-file name, netns:NAME, pid:PID, "
                + "iface:NAME or ip:ADDR.",
            valueName: "endpoint"
        )
    )
    var from: String = "host"

    @OptionGroup var endpoints: EndpointOptions

    /// The namespace, interface and address `--from` stands for, through the shared endpoint resolver.
    func resolve() throws -> VantagePoint {
        let target = try endpoints.resolver().target(from, snapshots: RtnetlinkSnapshots())
        return VantagePoint(
            label: from,
            namespace: target.namespace,
            interface: target.interface,
            sourceIP: target.ip?.value
        )
    }
}

/// Where ARP frames go out: the endpoint, interface, VLAN and sender address.
struct ARPVantageOptions: ParsableArguments {
    @OptionGroup var endpoint: ARPEndpointOptions

    @Option(name: [.customShort("I"), .customLong("interface")], help: "The interface to use at the endpoint.")
    var interface: String?

    @Option(help: "Send 802.1Q-tagged frames with this VLAN id and read only replies tagged with it.")
    var vlan: UInt16?

    @Option(help: "The sender IPv4 address requests carry (default: the interface's own).")
    var source: String?

    func validate() throws {
        if let vlan, !(1...4094).contains(vlan) { throw ValidationError("--vlan must be 1...4094, not \(vlan)") }
        if let source, IPv4Address(source) == nil { throw ValidationError("--source \(source) is not an IPv4 address") }
    }

    /// Resolves the endpoint and opens the link, towards `target` when no interface is named.
    func openLink(towards target: IPv4Address?) throws -> ARPLink {
        try ARPLink.open(
            at: endpoint.resolve(),
            interface: interface,
            towards: target,
            vlan: vlan,
            source: source.flatMap(IPv4Address.init)
        )
    }
}

/// Parses `1.5`, `250ms`, `2s`, `1m` into nanoseconds.
func parseDuration(_ text: String) -> UInt64? {
    let units: [(String, Double)] = [("ms", 1e6), ("us", 1e3), ("s", 1e9), ("m", 60e9)]
    for (suffix, scale) in units where text.hasSuffix(suffix) {
        guard let value = Double(text.dropLast(suffix.count)), value >= 0, value.isFinite else { return nil }
        return UInt64(value * scale)
    }
    guard let seconds = Double(text), seconds >= 0, seconds.isFinite else { return nil }
    return UInt64(seconds * 1e9)
}

/// Parses an option value as a duration or fails with a usage error naming the option.
func requireDuration(_ text: String, option: String) throws -> UInt64 {
    guard let value = parseDuration(text) else {
        throw ValidationError("\(option) \(text) is not a duration (like 1.5, 250ms, 2s, 1m)")
    }
    return value
}

/// Formats nanoseconds as milliseconds with three decimals.
func milliseconds(_ nanoseconds: UInt64) -> String { String(format: "%.3f ms", Double(nanoseconds) / 1e6) }
