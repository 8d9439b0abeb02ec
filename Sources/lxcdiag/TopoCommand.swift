import ArgumentParser
import Foundation
import LinuxNet
import Topology

extension LXCDiag {
    /// `lxcdiag topo`: the host's layer-2 wiring across namespaces.
    struct Topo: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show how the host's uplinks, bridges, ports and containers are wired, with warnings.",
            discussion: """
                Reads every namespace's links, bridge ports, FDB, addresses, routes and neighbours through \
                rtnetlink and draws a tree: host -> uplinks -> bridges -> ports -> the container interface \
                behind each port (namespace, interface, address, MAC). Lines starting with "!" are warnings: \
                a port not forwarding, a link down or without carrier, an MTU that differs from the bridge, \
                flooding or learning switched off.

                The host is the namespace lxcdiag runs in, or the named namespace given with -n (as `ip -n`). \
                Every namespace under /run/netns is included, or only those named as arguments (--no-scan \
                for the host alone).

                Examples:
                  sudo lxcdiag topo
                  sudo lxcdiag topo -n lab-host ct1 ct2                (host lab-host, containers ct1, ct2)
                  sudo lxcdiag topo -n lab-host --json > topo.json     (schema lxcdiag.topo/1)
                  sudo lxcdiag topo --svg wiring.svg                   (needs graphviz)
                """
        )

        @Option(
            name: [.customShort("n"), .customLong("netns")],
            help: ArgumentHelp("Take the named namespace NAME (under /run/netns) as the host.", valueName: "NAME")
        )
        var netns: String?

        @Flag(help: "Print the lxcdiag.topo/1 JSON document (see docs/topo-schema.md).")
        var json = false

        @Flag(help: "Print the wiring as a Graphviz graph, one cluster per namespace.")
        var dot = false

        @Option(help: ArgumentHelp("Render the graph to FILE as SVG with graphviz's `dot`.", valueName: "FILE"))
        var svg: String?

        @Flag(name: .customLong("no-scan"), help: "Capture only the host, not the namespaces under /run/netns.")
        var noScan = false

        @Argument(
            help: ArgumentHelp("Named namespaces to include besides the host (default: all).", valueName: "NETNS")
        )
        var only: [String] = []

        func validate() throws {
            if json && dot { throw ValidationError("--json and --dot both print to standard output; choose one") }
            if let netns, netns.isEmpty || netns.contains("/") || netns == "." || netns == ".." {
                throw ValidationError("-n/--netns takes a name under /run/netns, such as ct1, not \"\(netns)\"")
            }
            if let svg, svg.isEmpty { throw ValidationError("--svg needs a file name") }
            if noScan && !only.isEmpty { throw ValidationError("--no-scan leaves out the namespaces named; drop one") }
        }

        func run() throws {
            try reportingErrors {
                if svg != nil, ExternalCommand.locate("dot") == nil {
                    throw CommandFailure(
                        message: "--svg needs graphviz's `dot`, which is not installed (apt install graphviz); "
                            + "--dot prints the graph for rendering elsewhere",
                        status: .environment
                    )
                }
                try requireRoot("lxcdiag topo")
                var targets = TopologyTarget.hostAndNamedNamespaces(hostNetns: netns, scan: !noScan)
                if !only.isEmpty {
                    let known = Set(targets.map(\.name))
                    if let unknown = only.first(where: { !known.contains($0) }) {
                        let names = targets.dropFirst().map(\.name).joined(separator: ", ")
                        throw CommandFailure(
                            message:
                                "no namespace \(unknown) under /run/netns; there are: \(names.isEmpty ? "none" : names)",
                            status: .usage
                        )
                    }
                    targets = targets.prefix(1) + targets.dropFirst().filter { only.contains($0.name) }
                }
                try show(HostTopology.capture(targets))
            }
        }

        /// Prints or writes `topology` in the format the flags ask for.
        func show(_ topology: HostTopology) throws {
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                FileHandle.standardOutput.write(try encoder.encode(TopologyDocument(topology)) + Data("\n".utf8))
            } else if dot {
                print(topology.dotGraph(), terminator: "")
            } else if let svg {
                try ExternalCommand.check(["dot", "-Tsvg", "-o", svg], input: topology.dotGraph())
                print("wrote \(svg) (\(topology.namespaces.count) namespaces)")
            } else {
                print(topology.textTree(), terminator: "")
            }
        }
    }
}
