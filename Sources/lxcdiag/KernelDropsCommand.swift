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

                Example: in one shell run `lxcdiag kernel-drops --length 1027 --seconds 20`, in another \
                `ip netns exec ct1 ping -s 985 192.0.2.2`. A firewall drop in the receiver prints:

                  NETFILTER_DROP  nft_do_chain+0x3e8/0x610  on vb (via va, vb)  1027 bytes
                """
        )

        @Option(name: .customLong("length"), help: "An Ethernet frame length to watch (repeatable, 60-65535).")
        var lengths: [Int] = []

        @Option(name: .customLong("interface"), help: "Only frames seen on this interface (repeatable).")
        var interfaces: [String] = []

        @Option(help: "How long to record, in seconds (0 only sets up and removes the instance).")
        var seconds: Double = 10

        @Flag(help: "Print one JSON document with the drops and the recorder's setup and teardown times.")
        var json = false

        func validate() throws {
            guard !lengths.isEmpty else { throw ValidationError("give at least one --length (e.g. --length 1027)") }
            if let bad = lengths.first(where: { !(60...65_535).contains($0) }) {
                throw ValidationError("--length \(bad) is not an Ethernet frame length (60-65535)")
            }
            guard seconds >= 0, seconds <= 86_400 else { throw ValidationError("--seconds must be 0 to 86400") }
        }

        func run() throws {
            try reportingErrors {
                try requireRoot("kernel-drops")
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
                        )
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
