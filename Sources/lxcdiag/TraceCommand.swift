import ArgumentParser
import Containers
import Diagnosis
import ExpectedPath
import Foundation
import KernelDrops
import LinuxNet
import NetworkModel
import PacketCapture
import PacketCodec
import PathTrace
import Topology
import Trace

extension LXCDiag {
    /// `lxcdiag trace`: probe a path and show, hop by hop, where the frames went.
    struct TraceCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "trace",
            abstract: "Probe a path with ARP and ICMP and show, hop by hop, where the frames went.",
            discussion: """
                From the source's namespace lxcdiag sends an ARP request for the target, then two ICMP echo \
                requests to the MAC that answered (a small one, and one as large as the source interface's \
                MTU with DF set), and one echo request through the source's own stack (`stack`: its route, \
                neighbour cache and netfilter take part, as for ping). The verdict is about that one: \
                REACHABLE only when the source's own traffic is answered; the crafted frames localize. Meanwhile it captures with libpcap on every hop of the path, each inside its \
                own namespace, with a kernel filter that passes only this run's frames. It prints, per hop, \
                which probe went by in which direction, the verdict, where a lost frame was last seen, and \
                findings with a fix.

                Endpoints: host, a registered name such as ext, an LXC container, netns:NAME, pid:PID, \
                iface:NAME (send from that host interface), ip:ADDR. lxcdiag reads every namespace through \
                rtnetlink, computes the path a frame should take (as `lxcdiag path` shows it) and captures on \
                each hop of it, plus every other port of each bridge it crosses, where a flooded or misdelivered \
                frame shows up.

                Examples:
                  lxcdiag trace --from ext --to ct1
                  lxcdiag trace --from ct3 --to ct4 --json
                  lxcdiag trace --from iface:em2 --to ct1 --pcap /tmp/trace.pcapng

                Advanced: --hop and --side replace the computed capture points with your own list, in path \
                order, each PLACE/IFACE[=ROLE] where PLACE is netns:NAME, pid:PID or host (the namespace \
                lxcdiag runs in) and ROLE one of endpoint, uplink, bridge, bridge-port, veth, macvlan-parent, \
                container. Then --from and --to may also be PLACE[/IFACE][@ADDRESS]:
                  lxcdiag trace --from netns:ext --to netns:ct1 --hop host/em1=uplink \\
                    --hop host/br0=bridge --hop host/veth-ct1=veth --side host/veth-ct2

                Exit status: 0 reachable with no error-level finding, 1 otherwise (unreachable, degraded, or \
                an error-level finding), 2 usage, 3 environment (not root, a namespace or interface missing or \
                gone mid-trace).
                """
        )

        @Option(help: ArgumentHelp("Where the probes start.", valueName: "ENDPOINT"), completion: Completions.endpoints)
        var from: String

        @Option(
            help: ArgumentHelp("What the probes are for.", valueName: "ENDPOINT"),
            completion: Completions.endpoints
        )
        var to: String

        @Flag(help: "Print the lxcdiag.trace/1 JSON document instead of the text view.")
        var json = false

        @OptionGroup var terminalOptions: TerminalOptions

        @Option(help: "Also write every hop's frames to this pcapng file (one interface per hop).")
        var pcap: String?

        // Unconditional, so that `--timeout-ms -1` is read as a value and refused by its range, not as a flag.
        @Option(
            name: .customLong("timeout-ms"),
            parsing: .unconditional,
            help: "How long to wait for a reply before calling a probe lost, 1 to 10000 ms."
        )
        var timeoutMilliseconds = 300

        @Flag(
            inversion: .prefixedNo,
            help: "Record the kernel's reason for a drop (tracefs skb:kfree_skb); costs some 50 ms."
        )
        var kernelDrops = true

        @OptionGroup var endpoints: EndpointOptions

        @OptionGroup(title: "Advanced options")
        var capture: CapturePointOptions

        func validate() throws {
            guard (1...10_000).contains(timeoutMilliseconds) else {
                throw ValidationError("--timeout-ms must be between 1 and 10000, not \(timeoutMilliseconds)")
            }
            if let pcap { try OutputFile.validate(pcap, option: "--pcap") }
            if from == to { throw ValidationError("--from and --to are the same endpoint ('\(from)')") }
            if capture.hops.isEmpty && !capture.sides.isEmpty {
                throw ValidationError("--side goes with --hop: list the path too")
            }
            if capture.hops.isEmpty, let place = [from, to].first(where: Self.isPlaceSyntax) {
                throw ValidationError(
                    "'\(place)': PLACE/IFACE and @ADDRESS endpoints go with --hop; without it name an endpoint "
                        + "(ext, ct1, host, netns:NAME, pid:PID, iface:NAME, ip:ADDR)"
                )
            }
            do {
                _ = try capture.points()
            } catch {
                throw ValidationError(error.description)
            }
        }

        /// Whether an endpoint is written in `--hop`'s syntax (`netns:ct1/eth0`, `host/em2@192.0.2.2`).
        /// (`ip:10.0.0.0/24` and `iface:a/b` are endpoints, malformed ones, and get the endpoint's own message.)
        /// (`ct1@lxcdiag-b-ct1`, a qualified duplicate name, is an endpoint: only an address after `@` is a place.)
        private static func isPlaceSyntax(_ spec: String) -> Bool {
            guard !spec.hasPrefix("ip:"), !spec.hasPrefix("iface:") else { return false }
            if spec.contains("/") { return true }
            guard let at = spec.lastIndex(of: "@") else { return false }
            return IPv4Address(String(spec[spec.index(after: at)...])) != nil
        }

        func run() throws {
            try reportingErrors {
                try requireRoot("lxcdiag trace")
                var options = TraceOptions()
                options.lossTimeoutNs = UInt64(timeoutMilliseconds) * 1_000_000
                options.recordKernelDrops = kernelDrops
                if kernelDrops { DropRecorder.removeStaleInstances() }
                var expected: ExpectedPath?
                var containers: [LXCContainer] = []
                var pathNamespaces: [TopologyTarget] = []
                let plan: TracePlan
                if capture.hops.isEmpty {
                    let resolved = try EndpointPath(from: from, to: to, endpoints: endpoints, scope: .endpoints)
                    expected = resolved.path
                    containers = resolved.containers
                    pathNamespaces = resolved.targets
                    plan = PathCapturePoints.plan(
                        for: resolved.path,
                        in: resolved.topology,
                        source: resolved.source,
                        target: resolved.destination,
                        options: options
                    )
                } else {
                    plan = try explicitPlan(options: options)
                }
                // The rules read every namespace the plan touches first, then the probes run, then the catalogue
                // explains what the captures saw.
                var (outcome, problems) = try DiagnosedTrace.run(
                    plan,
                    tracer: Tracer(queries: .system),
                    alsoRead: pathNamespaces,
                    containers: containers
                )
                if let expected {
                    outcome.report.findings = TraceDiagnosis.withoutRestated(
                        PathTraceFindings.findings(of: outcome.report, on: expected)
                    )
                }
                for problem in problems {
                    FileHandle.standardError.write(Data("lxcdiag: note: \(problem)\n".utf8))
                }
                if let pcap {
                    do { try outcome.pcapng().write(to: pcap) } catch {
                        throw CommandFailure(message: "cannot write \(pcap): \(error)", status: .environment)
                    }
                }
                if json {
                    try printJSON(outcome.report)
                } else {
                    let terminal = terminalOptions.terminal
                    let text = TraceTextRenderer(colour: terminal.colour).render(outcome.report)
                    FileHandle.standardOutput.write(Data(terminal.render(text).utf8))
                }
                // 0 only for a reachable path with no error-level finding (README, "Exit status").
                let failed =
                    outcome.report.verdict != .reachable || outcome.report.findings.contains { $0.severity == .error }
                if failed { throw ExitCode(ExitStatus.checkFailed.rawValue) }
            }
        }

        /// The plan `--hop`/`--side` spell out: both ends resolved (endpoint names, or PLACE[/IFACE][@ADDRESS]),
        /// the target's interface appended as the last hop.
        private func explicitPlan(options: TraceOptions) throws -> TracePlan {
            let queries = NamespaceQueries.system
            let points = try capture.points()
            let (from, to) = (self.from, self.to)
            let endpoints = self.endpoints
            // Both ends at once: each asks the kernel separately.
            let specs = [from, to]
            let ends = try DedicatedThread.map(specs.count, name: "resolve") { index -> ResolvedEndpoint in
                let spec = specs[index]
                guard Self.isPlaceSyntax(spec) else { return try endpoints.resolve([spec])[0] }
                return try PointSpec(parsing: spec, defaultInterface: "eth0")
                    .resolvedEndpoint(named: spec, queries: queries)
            }.map { try $0.get() }
            let (source, target) = (ends[0], ends[1])
            var hops = points.filter { !($0.namespace == target.namespace && $0.interface == target.interface) }
            hops.append(
                CapturePoint(
                    node: target.node,
                    namespace: target.namespace,
                    interface: target.interface,
                    role: target.node == "host" ? .endpoint : .container
                )
            )
            return TracePlan(source: source, target: target, hops: hops, options: options)
        }
    }
}
