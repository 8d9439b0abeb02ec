import ArgumentParser
import Containers
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
                behind each port (namespace, interface, address, MAC). "→ NODE" leads into another namespace \
                (veth peer, macvlan child), "↳" to a macvlan or VLAN child in the same one. Lines starting \
                with "!" are warnings: a port not forwarding, a link down or without carrier, an MTU that \
                differs from the bridge, flooding or learning switched off.

                The host is the namespace lxcdiag runs in, or the named namespace given with -n (as `ip -n`). \
                Every namespace lxcdiag knows is included: the endpoint file's (--endpoints), running LXC \
                containers (by name) and every namespace under /run/netns; one namespace known under several \
                names is shown once ("also ..."). Name some as arguments to show only those besides the host, \
                or use --no-scan for the host alone.

                Examples:
                  sudo lxcdiag topo
                  sudo lxcdiag topo -n lab-host ct1 ct2       only ct1, ct2 besides the host
                  sudo lxcdiag topo --json > topo.json        schema lxcdiag.topo/1
                  sudo lxcdiag topo --svg wiring.svg          needs graphviz
                """
        )

        @OptionGroup var endpoints: EndpointOptions

        @Flag(help: "Print the lxcdiag.topo/1 JSON document (see docs/topo-schema.md).")
        var json = false

        @Flag(help: "Print the wiring as a Graphviz graph, one cluster per namespace.")
        var dot = false

        @Option(help: ArgumentHelp("Render the graph to FILE as SVG with graphviz's `dot`.", valueName: "FILE"))
        var svg: String?

        @Flag(name: .customLong("no-scan"), help: "Capture only the host, no other namespace.")
        var noScan = false

        @Argument(
            help: ArgumentHelp(
                "Containers, registered endpoints or named namespaces to show besides the host (default: all).",
                valueName: "NAME"
            )
        )
        var only: [String] = []

        func validate() throws {
            if json && dot { throw ValidationError("--json and --dot both print to standard output; choose one") }
            if let netns = endpoints.netns, netns == "." || netns == ".." {
                throw ValidationError("-n/--netns takes a name under /run/netns, such as ct1, not \"\(netns)\"")
            }
            if let svg { try OutputFile.validate(svg, option: "--svg") }
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
                try show(HostTopology.capture(try targets()))
            }
        }

        /// The namespaces to capture, host first: the input of everything `topo` shows.
        func targets() throws -> [TopologyTarget] {
            // The resolver checks that -n names an existing namespace, and knows containers and endpoints.
            let all = try endpoints.resolver().topologyTargets()
            if noScan { return Array(all.prefix(1)) }
            guard !only.isEmpty else { return all }
            let known = Set(all.map(\.name))
            if let unknown = only.first(where: { !known.contains($0) }) {
                let names = all.dropFirst().map(\.name).joined(separator: ", ")
                throw CommandFailure(
                    message:
                        "no container, endpoint or namespace \(unknown); there are: \(names.isEmpty ? "none" : names)",
                    status: .usage
                )
            }
            let wanted = Set(only)
            return Array(all.prefix(1)) + all.dropFirst().filter { wanted.contains($0.name) }
        }

        /// Prints or writes `topology` in the format the flags ask for.
        func show(_ topology: HostTopology) throws {
            if json {
                try printJSON(TopologyDocument(topology))
            } else if dot {
                print(topology.dotGraph(), terminator: "")
            } else if let svg {
                try ExternalCommand.check(["dot", "-Tsvg", "-o", svg], input: topology.dotGraph())
                print("wrote \(svg) (\(topology.namespaces.count) namespaces)")
            } else {
                print(Terminal.standardOutput(color: .never).render(topology.textTree()), terminator: "")
            }
        }
    }
}
