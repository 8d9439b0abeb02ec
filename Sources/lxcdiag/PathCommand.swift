import ArgumentParser
import ExpectedPath
import Foundation
import Investigation

extension LXCDiag {
    /// `lxcdiag path --from A --to B`: the hops a frame should take, and why.
    struct Path: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the hops a frame from one endpoint to another should take, and why it goes each way.",
            discussion: """
                Reads every namespace of the host through rtnetlink (links, addresses, routes, neighbours, \
                bridge FDBs) and walks the frame: the sender's route lookup, veth peers, bridge FDB entries or \
                flooding, macvlan parents and children, and physical uplinks out to the network and back. Each \
                hop names its namespace, interface and reason; a hop that cannot pass says why (port blocking, \
                flooding off, link down, or by design: a macvlan parent's own stack cannot reach its children).

                Endpoints: host, a registered name such as ext, an LXC container, netns:NAME, pid:PID, \
                iface:NAME (send from that host interface), ip:ADDR.

                Examples:
                  lxcdiag path --from ext --to ct1
                  lxcdiag path --from iface:em2 --to ct3 --json
                  lxcdiag path -n lab-host --from host --to ct2

                Exit status: 0 when the walk reaches the destination, 1 when a hop blocks it.
                """
        )

        @Option(help: ArgumentHelp("Where the frame starts.", valueName: "ENDPOINT"), completion: Completions.endpoints)
        var from: String

        @Option(
            help: ArgumentHelp("Where the frame should arrive.", valueName: "ENDPOINT"),
            completion: Completions.endpoints
        )
        var to: String

        @Flag(help: "Print the path as JSON (schema lxcdiag.path/1, see docs/path-schema.md).")
        var json = false

        @OptionGroup var endpoints: EndpointOptions

        func validate() throws {
            if from == to { throw ValidationError("--from and --to are the same endpoint ('\(from)')") }
        }

        func run() throws {
            try reportingErrors {
                try requireRoot("lxcdiag path")
                let path = try Investigation.path(from: from, to: to, resolver: endpoints.resolver())
                if json {
                    try printJSON(path)
                } else {
                    print(Terminal.standardOutput(color: .never).render(PathText.render(path)), terminator: "")
                }
                if !path.reachable { throw ExitCode(ExitStatus.checkFailed.rawValue) }
            }
        }
    }
}
