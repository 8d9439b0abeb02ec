import ArgumentParser
import Foundation
import KernelDrops
import LinuxNet
import NetworkModel
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
                MTU with DF set). Meanwhile it captures with libpcap on every hop you name, each inside its \
                own namespace, with a kernel filter that passes only this run's frames. It prints, per hop, \
                which probe went by in which direction, the verdict, where a lost frame was last seen, and \
                findings with a fix.

                Name places as netns:NAME/IFACE, pid:PID/IFACE or host/IFACE (the namespace lxcdiag runs \
                in). --from and --to may leave out the interface (eth0) and add @ADDRESS; a hop may add \
                =ROLE (endpoint, uplink, bridge, bridge-port, veth, macvlan-parent, container). List the \
                hops in path order; --side names other ports of a bridge the path crosses, where a frame \
                should not appear. The source's and the target's interfaces are capture points anyway.

                Example, outside host to a container through the host's bridge:
                  lxcdiag trace --from netns:ext --to netns:ct1 \\
                    --hop host/em1=uplink --hop host/br0=bridge --hop host/veth-ct1=veth \\
                    --side host/veth-ct2 --pcap /tmp/trace.pcapng

                Exit status: 0 reachable, 1 unreachable or degraded, 2 usage, 3 environment (not root, \
                a namespace or interface missing or gone mid-trace).
                """
        )

        @Option(help: "Where the probes start: netns:NAME[/IFACE][@ADDRESS], pid:PID/IFACE or host/IFACE.")
        var from: String

        @Option(help: "What the probes are for: netns:NAME[/IFACE][@ADDRESS], pid:PID/IFACE or host/IFACE.")
        var to: String

        @Option(name: .customLong("hop"), help: "A capture point on the path, in order: PLACE/IFACE[=ROLE].")
        var hops: [String] = []

        @Option(name: .customLong("side"), help: "A bridge port off the path to watch: PLACE/IFACE[=ROLE].")
        var sides: [String] = []

        @Flag(help: "Print the lxcdiag.trace/1 JSON document instead of the text view.")
        var json = false

        @Option(help: "Also write every hop's frames to this pcapng file (one interface per hop).")
        var pcap: String?

        @Option(name: .customLong("timeout-ms"), help: "How long to wait for a reply before calling a probe lost.")
        var timeoutMilliseconds = 300

        @Flag(
            inversion: .prefixedNo,
            help: "Record the kernel's reason for a drop (tracefs skb:kfree_skb); costs some 50 ms."
        )
        var kernelDrops = true

        func validate() throws {
            guard (1...10_000).contains(timeoutMilliseconds) else {
                throw ValidationError("--timeout-ms must be between 1 and 10000")
            }
            do {
                _ = try parsed()
            } catch {
                throw ValidationError(error.description)
            }
        }

        private func parsed() throws(TraceError) -> (from: PointSpec, to: PointSpec, hops: [CapturePoint]) {
            let source = try PointSpec(parsing: from, defaultInterface: "eth0")
            let target = try PointSpec(parsing: to, defaultInterface: "eth0")
            var points: [CapturePoint] = []
            for hop in hops { points.append(try PointSpec(parsing: hop).capturePoint(defaultRole: .bridgePort)) }
            for side in sides {
                points.append(try PointSpec(parsing: side).capturePoint(defaultRole: .bridgePort, isSide: true))
            }
            return (source, target, points)
        }

        func run() throws {
            try reportingErrors {
                try requireRoot("lxcdiag trace")
                let (sourceSpec, targetSpec, points) = try parsed()
                let queries = NamespaceQueries.system
                // Both ends at once: each asks the kernel through a separate tool run.
                let (from, to) = (self.from, self.to)
                let ends = try [(sourceSpec, from), (targetSpec, to)].concurrentMap { spec, name in
                    try spec.resolvedEndpoint(named: name, queries: queries)
                }
                let (source, target) = (ends[0], ends[1])
                var hops = points.filter { !($0.namespace == target.namespace && $0.interface == target.interface) }
                hops.append(
                    targetSpec.capturePoint(defaultRole: target.node == "host" ? .endpoint : .container)
                )
                var options = TraceOptions()
                options.lossTimeoutNs = UInt64(timeoutMilliseconds) * 1_000_000
                options.recordKernelDrops = kernelDrops
                if kernelDrops { DropRecorder.removeStaleInstances() }
                let outcome = try Tracer(queries: queries).run(
                    TracePlan(source: source, target: target, hops: hops, options: options)
                )
                if let pcap {
                    do { try outcome.pcapng().write(to: pcap) } catch {
                        throw CommandFailure(message: "cannot write \(pcap): \(error)", status: .environment)
                    }
                }
                if json {
                    FileHandle.standardOutput.write(try outcome.report.jsonDocument())
                    FileHandle.standardOutput.write(Data("\n".utf8))
                } else {
                    let colour = TraceTextRenderer.wantsColour(
                        isTerminal: isatty(STDOUT_FILENO) == 1,
                        environment: ProcessInfo.processInfo.environment
                    )
                    FileHandle.standardOutput.write(Data(TraceTextRenderer(colour: colour).render(outcome.report).utf8))
                }
                if outcome.report.verdict != .reachable { throw ExitCode(ExitStatus.checkFailed.rawValue) }
            }
        }
    }
}

extension Array where Element: Sendable {
    /// Maps every element on a thread of its own and waits for all; the first error (in order) is thrown.
    fileprivate func concurrentMap<T: Sendable>(_ transform: @escaping @Sendable (Element) throws -> T) throws -> [T] {
        let results = ConcurrentResults<T>(count: count)
        let group = DispatchGroup()
        for (index, element) in enumerated() {
            group.enter()
            DedicatedThread.start(name: "resolve") {
                results.store(index, Result { try transform(element) })
                group.leave()
            }
        }
        group.wait()
        return try results.values.map { try $0!.get() }
    }
}

/// Where `concurrentMap`'s threads leave their results.
/// Safe: every access holds `lock`.
private final class ConcurrentResults<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<T, any Error>?]

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func store(_ index: Int, _ result: Result<T, any Error>) { lock.withLock { slots[index] = result } }

    var values: [Result<T, any Error>?] { lock.withLock { slots } }
}
