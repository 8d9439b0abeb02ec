import ArgumentParser
import Foundation
import Lab

extension LXCDiag.LabCommand {
    /// `lxcdiag lab status`.
    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show which namespaces and containers of the lab exist, run and hold their addresses.",
            discussion: """
                Checks the system, not just the lab's record: each namespace, LXC container (running or not, \
                its pid), interface and address. Says whether the containers are LXC or plain namespaces and \
                the macvlan mode.

                Exit status: 0 when the lab is complete, 1 when it is partial or absent, 3 when not root.

                Examples:
                  lxcdiag lab status
                  lxcdiag lab status --json | jq .nodes
                """
        )

        @Flag(help: "Print the status as the lxcdiag.lab-status/1 JSON document (see docs/lab-status-schema.md).")
        var json = false

        @OptionGroup(title: "Advanced options")
        var lab: LabNameOptions

        func run() throws {
            try reportingErrors {
                try requireRoot("lxcdiag lab status")
                let status = try Lab(LabConfiguration(name: lab.name)).status()
                if json {
                    try printJSON(status, schema: "lxcdiag.lab-status/1")
                } else {
                    print(status.report)
                }
                if !status.isComplete { throw ExitCode(ExitStatus.checkFailed.rawValue) }
            }
        }
    }
}
