import ArgumentParser
import Foundation
import KernelDrops
import LinuxNet

extension LXCDiag {
    /// `lxcdiag kernel-drops`: watch the kernel drop frames of chosen lengths and say where and why.
    struct KernelDropsCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "kernel-drops",
            abstract: "Show where and why the kernel drops frames of given lengths (tracefs skb:kfree_skb).",
            discussion: """
                Records for --seconds in a private tracefs instance (never the global trace buffer), with \
                the kernel filtering its receive/transmit events on the frame lengths you give, so other \
                traffic costs nothing. Each drop prints the kernel's reason, the function that dropped the \
                frame, the last interface that saw it and the interfaces it passed. The instance is removed \
                on exit, Ctrl-C included; tracefs is mounted at /sys/kernel/tracing if it is not mounted.

                Lengths are whole Ethernet frames without FCS: an ICMP echo with N data bytes is N + 42.

                --interface takes a name that exists in lxcdiag's own namespace, or in the one -n/--netns \
                names (the kernel then matches that name in every namespace). A malformed name is a usage \
                error (exit 2), a name that does not exist there exit 3.

                Example: in one shell run `lxcdiag kernel-drops --length 1027 --seconds 20`, in another \
                `ip netns exec ct1 ping -s 985 192.0.2.2`. A firewall drop in the receiver prints:

                  NETFILTER_DROP  nft_do_chain+0x3e8/0x610  on vb (via va, vb)  1027 bytes
                """
        )

        @Option(name: .customLong("length"), help: "An Ethernet frame length to watch (repeatable, 60-65535).")
        var lengths: [Int] = []

        @Option(name: .customLong("interface"), help: "Only frames seen on this interface (repeatable).")
        var interfaces: [String] = []

        @Option(
            name: [.customShort("n"), .customLong("netns")],
            help: ArgumentHelp(
                "The namespace under /run/netns in which --interface names must exist (default: lxcdiag's own).",
                valueName: "NAME"
            )
        )
        var netns: String?

        @Option(help: "How long to record, in seconds (0 only sets up and removes the instance; at most 86400).")
        var seconds: Double = 10

        @Flag(help: "Print one JSON document with the drops and the recorder's setup and teardown times.")
        var json = false

        /// The range checks, as one `lxcdiag: ...` line and exit 2 (a `ValidationError` would add the usage).
        private func checkArguments() throws(CommandFailure) {
            func usage(_ message: String) -> CommandFailure { CommandFailure(message: message, status: .usage) }
            guard !lengths.isEmpty else { throw usage("give at least one --length (e.g. --length 1027)") }
            let range = DropSignature.frameLengthRange
            if let bad = lengths.first(where: { !range.contains($0) }) {
                throw usage(
                    "--length \(bad) is not an Ethernet frame length (\(range.lowerBound)-\(range.upperBound))"
                )
            }
            guard seconds.isFinite, (0...86_400).contains(seconds) else {
                throw usage("--seconds \(seconds) is out of range (0 to 86400)")
            }
            if let netns, netns.isEmpty || netns.contains("/") {
                throw usage("--netns takes a name under /run/netns, not \(String(reflecting: netns))")
            }
            for name in interfaces {
                do throws(TracingError) { try DropSignature.checkInterfaceName(name) } catch {
                    throw usage("--interface \(error.subject)")
                }
            }
        }

        /// Fails with exit 3 unless every `--interface` exists in the namespace the names are read in.
        private func checkInterfacesExist() throws {
            guard !interfaces.isEmpty else { return }
            let namespace: NetworkNamespace = netns.map { .named($0) } ?? .current
            let existing = Set(try withNetworkNamespace(namespace) { try InterfaceSnapshot.interfaceNames() })
            if let missing = interfaces.first(where: { !existing.contains($0) }) {
                let hint = netns == nil ? " (-n NAME looks in a namespace under /run/netns)" : ""
                throw CommandFailure(
                    message: "--interface \(String(reflecting: missing)): no such interface in \(namespace)\(hint)",
                    status: .environment
                )
            }
        }

        func run() throws {
            try reportingErrors {
                try checkArguments()
                try requireRoot("kernel-drops")
                try checkInterfacesExist()
                DropRecorder.removeStaleInstances()
                let recorder = DropRecorder.start(
                    signature: DropSignature(frameLengths: Set(lengths), interfaces: Set(interfaces))
                )
                // Also on the paths that return early, so an interrupt's cleanup finishes before lxcdiag exits.
                defer { recorder.stop() }
                guard case .recording(let instance) = recorder.state else {
                    if case .unavailable(let error) = recorder.state { throw error }
                    return
                }
                if !json {
                    FileHandle.standardError.write(Data("recording in tracefs instance \(instance)\n".utf8))
                }
                var printed = 0
                let deadline = monotonicNanoseconds() + UInt64(seconds * 1e9)
                while monotonicNanoseconds() < deadline {
                    usleep(UInt32(min(100_000, max(1, (deadline - min(deadline, monotonicNanoseconds())) / 1000))))
                    if !json { printed = printNew(recorder.drops, after: printed) }
                }
                let drops = recorder.stop()
                if json {
                    try printJSON(
                        KernelDropsReport(
                            instance: instance,
                            setupNs: recorder.setupNs,
                            teardownNs: recorder.teardownNs,
                            lostEvents: recorder.lostEvents,
                            drops: drops
                        ),
                        schema: "lxcdiag.kernel-drops/1"
                    )
                } else {
                    printed = printNew(drops, after: printed)
                    if recorder.lostEvents > 0 {
                        print("warning: the kernel overwrote \(recorder.lostEvents) events; drops may be missing")
                    }
                    print("\(drops.count) drop\(drops.count == 1 ? "" : "s") of frames of length \(lengthList)")
                }
            }
        }

        private var lengthList: String { lengths.sorted().map(String.init).joined(separator: ", ") }

        private func printNew(_ drops: [KernelDrop], after printed: Int) -> Int {
            for drop in drops.dropFirst(printed) {
                print(
                    "\(drop.reason)  \(drop.location)  on \(drop.device) (via \(drop.devices.joined(separator: ", ")))"
                        + "  \(drop.length) bytes"
                )
            }
            return max(printed, drops.count)
        }
    }
}

/// What `kernel-drops --json` prints.
private struct KernelDropsReport: Encodable {
    var instance: String
    var setupNs: UInt64
    var teardownNs: UInt64
    var lostEvents: Int
    var drops: [KernelDrop]
}
