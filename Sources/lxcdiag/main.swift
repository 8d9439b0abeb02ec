import ArgumentParser
import Foundation
import LinuxNet

/// The root command: `lxcdiag SUBCOMMAND`.
struct LXCDiag: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lxcdiag",
        abstract: "Find where frames die between the outside world, a container host and its containers.",
        discussion: """
            Exit codes: 0 ok, 1 the check failed (unreachable, conflict found, error finding),
            2 usage error, 3 environment problem (not root, libpcap or LXC missing, name taken).

            -n/--netns NAME before the subcommand makes the named namespace the host, as `ip -n` does:
              lxcdiag -n lxcdiag-host topo
            """,
        version: "0.1.0",
        subcommands: [
            KernelDropsCommand.self, LabCommand.self, Topo.self, Path.self, Endpoints.self, Settings.self,
            TraceCommand.self, Doctor.self, ARP.self, CheckCommand.self, Record.self,
        ]
    )
}

TerminationCleanup.shared.install()
runCommandLine()
