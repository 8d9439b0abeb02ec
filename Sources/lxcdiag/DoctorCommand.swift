import ArgumentParser
import Diagnosis
import Foundation
import Investigation
import Trace

extension LXCDiag {
    /// `lxcdiag doctor`: the findings that need no probe.
    struct Doctor: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Inspect the host and its containers for causes of lost frames, without sending anything.",
            discussion: """
                Reads every namespace's wiring (rtnetlink), sysctls (/proc/sys/net) and netfilter rules (nft -j), \
                and the LXC configs, and reports what can lose frames: br_netfilter with a FORWARD chain that \
                drops, a macvlan parent holding an address in its children's subnet, ARP flux risk (two \
                interfaces in one subnet with arp_ignore=0), STP with a long forward delay, ports not forwarding \
                or not flooding broadcasts, MTU mismatches along bridges and veth pairs, duplicate MACs across \
                containers and LXC configs, one address held twice on a segment, neighbour and forwarding-table \
                entries that point at the wrong MAC or port, declared interfaces or addresses that are missing, \
                links down.

                Each finding has a code (docs/findings.md), a severity, where it is, the evidence and a fix. \
                Exit status 1 when an error-level finding exists, 0 otherwise.

                Examples:
                  sudo lxcdiag doctor
                  sudo lxcdiag doctor -n lxcdiag-host --json        (schema lxcdiag.doctor/1)
                  sudo lxcdiag doctor lxcdiag-host lxcdiag-ext      (only these namespaces)
                  sudo lxcdiag lab break port-blocking
                  sudo lxcdiag doctor -n lxcdiag-host   (BRIDGE_PORT_NOT_FORWARDING)
                """
        )

        @OptionGroup var endpoints: EndpointOptions

        @OptionGroup var terminalOptions: TerminalOptions

        @Flag(help: "Print the lxcdiag.doctor/1 JSON document.")
        var json = false

        @Argument(
            help: ArgumentHelp(
                "Namespaces or containers to inspect besides the host (default: all).",
                valueName: "NAME"
            )
        )
        var only: [String] = []

        func run() throws {
            try reportingErrors {
                try requireRoot("lxcdiag doctor")
                let report = try Investigation.doctor(resolver: endpoints.resolver(), only: only)
                if json {
                    try printJSON(report)
                } else {
                    let terminal = terminalOptions.terminal
                    print(terminal.render(DoctorTextRenderer.render(report, colour: terminal.colour)))
                }
                if report.hasErrors { throw ExitCode(ExitStatus.checkFailed.rawValue) }
            }
        }
    }
}
