import ARPSuite
import ArgumentParser
import Containers
import Foundation
import LinuxNet
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
        ),
        completion: Completions.endpoints
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
    func openLink(towards target: IPv4Address?, firstConfigured: Bool = false) throws -> ARPLink {
        try ARPLink.open(
            at: endpoint.resolve(),
            interface: interface,
            towards: target,
            vlan: vlan,
            source: source.flatMap(IPv4Address.init),
            firstConfigured: firstConfigured
        )
    }
}

/// Runs the bound checks of an `arp` command in `validate()`: their `ARPError` becomes a usage error (exit 2).
func usageChecked<T>(_ body: () throws(ARPError) -> T) throws -> T {
    do throws(ARPError) {
        return try body()
    } catch {
        throw ValidationError(error.message)
    }
}

/// Runs `body` so that Ctrl-C or SIGTERM asks it to stop rather than ending the process at once.
///
/// The shared signal thread (`TerminationCleanup`, the only signal mechanism) calls `stop()` on the request `body`
/// gets, waits up to 5 s for `body` to print what it has, then exits with 128 + the signal (130 after Ctrl-C).
func interruptible(_ body: (StopRequest) throws -> Void) throws {
    let request = StopRequest()
    let printed = DispatchSemaphore(value: 0)
    let token = TerminationCleanup.shared.register {
        request.stop()
        _ = printed.wait(timeout: .now() + 5)
    }
    defer {
        fflush(nil)
        printed.signal()
        TerminationCleanup.shared.unregister(token)
        // When a signal stopped `body`, the signal thread exits with its status; this thread must not exit first.
        TerminationCleanup.shared.parkIfTerminating()
    }
    try body(request)
}

/// Prints one line and flushes it at once, so a pipe sees each result as it comes.
func printLine(_ line: String) {
    print(line)
    fflush(nil)
}

/// Formats nanoseconds as milliseconds with three decimals.
func milliseconds(_ nanoseconds: UInt64) -> String { String(format: "%.3f ms", Double(nanoseconds) / 1e6) }
