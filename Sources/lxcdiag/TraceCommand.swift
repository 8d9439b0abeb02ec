import ArgumentParser
import Foundation
import Investigation
import PacketCapture
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
                REACHABLE only when the source's own traffic is answered; the crafted frames localize. Meanwhile it captures every hop of the path: one packet socket per \
                namespace on the path, which sees each interface there, with a kernel filter that passes only \
                this run's frames (a bridge with a thousand ports costs one socket, and its quiet ports are \
                counted in one line). It prints, per hop, \
                which probe went by in which direction, the verdict, where a lost frame was last seen, and \
                findings with a fix.

                Endpoints: host, a registered name such as ext, an LXC container, netns:NAME, pid:PID, \
                iface:NAME (send from that host interface), ip:ADDR. lxcdiag reads every namespace through \
                rtnetlink, computes the path a frame should take (as `lxcdiag path` shows it) and captures on \
                each hop of it, plus every other port of each bridge it crosses, where a flooded or misdelivered \
                frame shows up.

                --tcp PORT and --udp PORT add two probes each for that port: a crafted one (a TCP SYN \
                expecting SYN-ACK or RST; a UDP datagram expecting a reply or ICMP port unreachable) that \
                localizes, and one through the source's own stack (`tcp-stack`: a non-blocking connect; \
                `udp-stack`: a connected UDP socket) that the verdict follows. A port a filter drops while \
                ICMP passes is located at the hop that saw it last; a port the target refuses (RST, port \
                unreachable) is NOTHING_LISTENS, not a drop.

                --count N adds a burst of N echo requests through the source's own stack (one every 5 ms, as \
                `ping -c N -i 0.005`): per hop, how many went by each way and how long after they left the \
                source (min/avg/max), and the round trip at the source. Some lost is DEGRADED with \
                PACKET_LOSS where the loss starts; a hop adding 10 ms or more to the fastest frame is LATENCY.

                Examples:
                  lxcdiag trace --from ext --to ct1
                  lxcdiag trace --from ext --to ct1 --count 100
                  lxcdiag trace --from ext --to ct1 --tcp 443
                  lxcdiag trace --from ext --to ct1 --udp 53
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

        @Option(
            name: .customLong("tcp"),
            parsing: .unconditional,
            help: ArgumentHelp("Also probe this TCP port (1 to 65535): a crafted SYN and a connect.", valueName: "PORT")
        )
        var tcpPort: Int?

        @Option(
            name: .customLong("udp"),
            parsing: .unconditional,
            help: ArgumentHelp(
                "Also probe this UDP port (1 to 65535): a crafted datagram and one from a socket.",
                valueName: "PORT"
            )
        )
        var udpPort: Int?

        @Option(
            name: .customLong("count"),
            parsing: .unconditional,
            help: ArgumentHelp(
                "Also send a burst of N echo requests (1 to 1000, one every 5 ms) through the source's stack, "
                    + "for the loss rate and added latency per hop.",
                valueName: "N"
            )
        )
        var count: Int?

        @Flag(help: "Print the lxcdiag.trace/1 JSON document instead of the text view.")
        var json = false

        @OptionGroup var terminalOptions: TerminalOptions

        @Option(help: "Also write every hop's frames to this pcapng file (one interface per hop).")
        var pcap: String?

        @Option(
            help: ArgumentHelp(
                "A plan whose declared endpoints (interface, address) are the intent for --from and --to.",
                valueName: "FILE"
            ),
            completion: Completions.planFiles
        )
        var plan: String?

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
            if let count, !(1...StackBurst.maxCount).contains(count) {
                throw ValidationError("--count must be between 1 and \(StackBurst.maxCount), not \(count)")
            }
            for (option, port) in [("--tcp", tcpPort), ("--udp", udpPort)] {
                if let port, !(1...65_535).contains(port) {
                    throw ValidationError("\(option) must be a port between 1 and 65535, not \(port)")
                }
            }
            if let pcap { try OutputFile.validate(pcap, option: "--pcap") }
            if from == to { throw ValidationError("--from and --to are the same endpoint ('\(from)')") }
            if capture.hops.isEmpty && !capture.sides.isEmpty {
                throw ValidationError("--side goes with --hop: list the path too")
            }
            if capture.hops.isEmpty, let place = [from, to].first(where: TraceRequest.isPlaceSyntax) {
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

        func run() throws {
            try reportingErrors {
                if let plan = self.plan { _ = try PlanFiles.parse(plan) }
                try requireRoot("lxcdiag trace")
                var options = TraceOptions()
                options.lossTimeoutNs = UInt64(timeoutMilliseconds) * 1_000_000
                options.recordKernelDrops = kernelDrops
                options.closeCapturesAtExit = true
                options.burstCount = count ?? 0
                options.transports =
                    (tcpPort.map { [TransportPort(.tcp, UInt16($0))] } ?? [])
                    + (udpPort.map { [TransportPort(.udp, UInt16($0))] } ?? [])
                let endpoints = self.endpoints
                let (from, to) = (self.from, self.to)
                var intent: (@Sendable () throws -> EndpointPath)?
                if let plan { intent = { try PlanIntent.path(from: from, to: to, plan: plan, endpoints: endpoints) } }
                let investigation = try Investigation.trace(
                    TraceRequest(
                        from: from,
                        to: to,
                        resolver: { try endpoints.resolver() },
                        options: options,
                        points: capture.hops.isEmpty ? [] : try capture.points(),
                        path: intent
                    )
                )
                let outcome = investigation.outcome
                for problem in investigation.problems {
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
                if investigation.failed { throw ExitCode(ExitStatus.checkFailed.rawValue) }
            }
        }
    }
}
