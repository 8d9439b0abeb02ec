import Foundation
import Glibc
import LinuxNet
import PacketCodec
import Testing

@testable import KernelDrops

@Suite(
    "Recording real kernel drops in a private tracefs instance",
    .enabled(if: getuid() == 0, "needs root"),
    .serialized
)
struct DropRecorderTests {
    /// Starts a recorder for `length` on the lab's interfaces, runs `body`, waits for a drop, and stops.
    private func record(
        _ lab: DropLab,
        length: Int,
        _ body: () throws -> Void
    ) throws -> (drops: [KernelDrop], instance: String) {
        let recorder = DropRecorder.start(
            signature: DropSignature(
                frameLengths: [length],
                interfaces: [lab.senderInterface, lab.receiverInterface]
            )
        )
        defer { recorder.stop() }
        guard case .recording(let instance) = recorder.state else {
            Issue.record("recorder did not start: \(recorder.state)")
            return ([], "")
        }
        #expect(FileManager.default.fileExists(atPath: "/sys/kernel/tracing/instances/\(instance)"))
        try body()
        let deadline = monotonicNanoseconds() + 2_000_000_000
        while recorder.drops.isEmpty && monotonicNanoseconds() < deadline { usleep(5_000) }
        let drops = recorder.stop()
        #expect(recorder.state == .stopped)
        #expect(!FileManager.default.fileExists(atPath: "/sys/kernel/tracing/instances/\(instance)"))
        return (drops, instance)
    }

    @Test("an nft drop rule on the receiver's input hook is reported as NETFILTER_DROP on its interface")
    func netfilterDrop() throws {
        let lab = try DropLab()
        defer { lab.tearDown() }
        try lab.dropEchoRequestsAtInput()
        let before = monotonicNanoseconds()
        let (drops, _) = try record(lab, length: 1101) { try lab.send(.icmpEcho, frameLength: 1101) }
        let drop = try #require(drops.first)
        #expect(drops.count == 1)
        #expect(drop.reason == "NETFILTER_DROP")
        #expect(drop.function == "nft_do_chain")
        #expect(drop.device == lab.receiverInterface)
        #expect(drop.length == 1101)
        #expect(drop.devices == [lab.senderInterface, lab.receiverInterface])
        // The instance clock is CLOCK_MONOTONIC, the same clock as monotonicNanoseconds().
        #expect(drop.timestampNs >= before - 1_000)
        #expect(drop.timestampNs <= monotonicNanoseconds())
    }

    @Test("UDP to a closed port is reported as NO_SOCKET")
    func noSocket() throws {
        let lab = try DropLab()
        defer { lab.tearDown() }
        let (drops, _) = try record(lab, length: 1102) { try lab.send(.udpToClosedPort, frameLength: 1102) }
        let drop = try #require(drops.first)
        #expect(drop.reason == "NO_SOCKET")
        #expect(drop.function == "__udp4_lib_rcv")
        #expect(drop.device == lab.receiverInterface)
    }

    @Test("a source the receiver routes elsewhere, with rp_filter=1, is reported as IP_RPFILTER")
    func reversePathFilter() throws {
        let lab = try DropLab()
        defer { lab.tearDown() }
        try lab.inReceiver(["sysctl", "-qw", "net.ipv4.conf.all.rp_filter=1"])
        try lab.inReceiver(["sysctl", "-qw", "net.ipv4.conf.\(lab.receiverInterface).rp_filter=1"])
        let (drops, _) = try record(lab, length: 1103) {
            try lab.send(.icmpEcho, frameLength: 1103, source: .init(198, 51, 100, 1))
        }
        let drop = try #require(drops.first)
        #expect(drop.reason == "IP_RPFILTER")
        #expect(drop.device == lab.receiverInterface)
    }

    @Test("a frame sent towards a peer that is down dies at the sender's queue (QDISC_DROP)")
    func peerDown() throws {
        let lab = try DropLab()
        defer { lab.tearDown() }
        try ExternalCommand.check(["ip", "-n", lab.receiver, "link", "set", lab.receiverInterface, "down"])
        // Carrier loss reaches the sender through linkwatch, asynchronously; until then veth itself drops
        // the frame (__dev_forward_skb2, NOT_SPECIFIED). Wait for NO-CARRIER so the queue is what drops it.
        let carrierDeadline = monotonicNanoseconds() + 3_000_000_000
        while monotonicNanoseconds() < carrierDeadline,
            !(try ExternalCommand.check(["ip", "-n", lab.sender, "link", "show", lab.senderInterface]))
                .contains("NO-CARRIER")
        {
            usleep(20_000)
        }
        let (drops, _) = try record(lab, length: 1104) { try lab.send(.icmpEcho, frameLength: 1104) }
        let drop = try #require(drops.first)
        #expect(drop.reason == "QDISC_DROP", "\(drop)")
        #expect(drop.device == lab.senderInterface)
        #expect(drop.lastEvent == "net_dev_queue")
    }

    @Test("ignored reasons are left out by the kernel's own filter; other drops of the same frames still come")
    func ignoredReasonFilteredInKernel() throws {
        let lab = try DropLab()
        defer { lab.tearDown() }
        try lab.dropEchoRequestsAtInput()
        let recorder = DropRecorder.start(
            signature: DropSignature(
                frameLengths: [1107],
                interfaces: [lab.senderInterface, lab.receiverInterface],
                ignoredReasons: ["NO_SOCKET"]
            )
        )
        defer { recorder.stop() }
        guard case .recording(let instance) = recorder.state else {
            Issue.record("recorder did not start: \(recorder.state)")
            return
        }
        let filter = try String(
            contentsOfFile: "/sys/kernel/tracing/instances/\(instance)/events/skb/kfree_skb/filter",
            encoding: .utf8
        )
        let table = DropReasonTable.numbers(
            in: try String(contentsOfFile: "/sys/kernel/tracing/events/skb/kfree_skb/format", encoding: .utf8)
        )
        let noSocket = try #require(table["NO_SOCKET"])
        #expect(filter.contains("reason != \(noSocket)"), "\(filter)")
        // The UDP datagram dies of NO_SOCKET (left out), then the echo of NETFILTER_DROP (reported).
        try lab.send(.udpToClosedPort, frameLength: 1107)
        try lab.send(.icmpEcho, frameLength: 1107)
        let deadline = monotonicNanoseconds() + 2_000_000_000
        while recorder.drops.isEmpty && monotonicNanoseconds() < deadline { usleep(5_000) }
        #expect(recorder.stop().map(\.reason) == ["NETFILTER_DROP"])
    }

    @Test("an instance the kernel keeps busy past the 2 s budget is reported as left behind, not silently kept")
    func unremovableInstanceIsNamed() throws {
        let recorder = DropRecorder.start(signature: DropSignature(frameLengths: [1109]))
        defer { recorder.stop() }
        guard case .recording(let instance) = recorder.state else {
            Issue.record("recorder did not start: \(recorder.state)")
            return
        }
        let path = "/sys/kernel/tracing/instances/\(instance)"
        // Another holder of one of its files: the kernel refuses rmdir (EBUSY) until it is closed.
        let holder = open("\(path)/trace", O_RDONLY)
        try #require(holder >= 0)
        defer { rmdir(path) }
        recorder.stop()
        #expect(recorder.leftBehind == path)
        #expect(FileManager.default.fileExists(atPath: path))
        // It was switched off before the removal was tried.
        #expect(try String(contentsOfFile: "\(path)/tracing_on", encoding: .utf8) == "0\n")
        close(holder)
        // Once the holder is gone the kernel lets it go, though not always at the first try (as the recorder's
        // own removal retries).
        #expect(removeInstance(path))
    }

    @Test("frames of other lengths are not reported")
    func otherLengthIgnored() throws {
        let lab = try DropLab()
        defer { lab.tearDown() }
        let recorder = DropRecorder.start(signature: DropSignature(frameLengths: [1105]))
        defer { recorder.stop() }
        try lab.send(.udpToClosedPort, frameLength: 1106)
        // Then one of ours, so we know the reader has caught up before checking.
        try lab.send(.udpToClosedPort, frameLength: 1105)
        let deadline = monotonicNanoseconds() + 2_000_000_000
        while recorder.drops.isEmpty && monotonicNanoseconds() < deadline { usleep(5_000) }
        #expect(recorder.stop().map(\.length) == [1105])
    }

    @Test("an instance left by a dead lxcdiag process is removed; live and foreign ones stay")
    func staleInstances() throws {
        let fileSystem = try TraceFileSystem.mounted()
        let dead = Process()
        dead.executableURL = URL(fileURLWithPath: "/bin/true")
        try dead.run()
        dead.waitUntilExit()
        let names = [
            "lxcdiag-\(dead.processIdentifier)-5eed",
            "lxcdiag-\(getpid())-11fe",
            "lxcdiag-tforeign\(UInt16.random(in: 0...UInt16.max))",
        ]
        let paths = names.map { "\(fileSystem.root)/instances/\($0)" }
        for path in paths { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false) }
        defer { for path in paths { rmdir(path) } }
        // Make the stale one look like a real leftover: events enabled.
        try "1\n".write(toFile: "\(paths[0])/events/skb/kfree_skb/enable", atomically: false, encoding: .utf8)
        let removed = DropRecorder.removeStaleInstances(fileSystem: fileSystem)
        #expect(removed.contains(names[0]))
        #expect(!removed.contains(names[1]))
        #expect(!removed.contains(names[2]))
        #expect(!FileManager.default.fileExists(atPath: paths[0]))
        #expect(FileManager.default.fileExists(atPath: paths[1]))
        #expect(FileManager.default.fileExists(atPath: paths[2]))
    }
}

@Suite("Recording without tracefs")
struct DropRecorderUnavailableTests {
    @Test("a tracefs without the kfree_skb tracepoint makes the recorder unavailable, naming the event")
    func missingEvent() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("lxcdiag-tracefs-\(getpid())").path
        try FileManager.default.createDirectory(atPath: "\(root)/instances", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let recorder = DropRecorder.start(
            signature: DropSignature(frameLengths: [1000]),
            fileSystem: TraceFileSystem(root: root)
        )
        guard case .unavailable(let error) = recorder.state else {
            Issue.record("expected unavailable, got \(recorder.state)")
            return
        }
        #expect(error.kind == .noSuchEvent)
        #expect(error.description.contains("skb/kfree_skb"))
        #expect(recorder.stop().isEmpty)
        // Nothing was created in the fake tree.
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(root)/instances").isEmpty)
    }

    @Test("a frame length outside Ethernet's range is refused before touching tracefs")
    func badLength() {
        let recorder = DropRecorder.start(
            signature: DropSignature(frameLengths: [20]),
            fileSystem: TraceFileSystem(root: "/nonexistent")
        )
        guard case .unavailable(let error) = recorder.state else {
            Issue.record("expected unavailable, got \(recorder.state)")
            return
        }
        #expect(error.description.contains("frame length"))
    }

    @Test("the mount table parser finds tracefs, preferring /sys/kernel/tracing")
    func mountTable() {
        let table = """
            sysfs /sys sysfs rw,nosuid 0 0
            tracefs /sys/kernel/debug/tracing tracefs rw,relatime 0 0
            tracefs /sys/kernel/tracing tracefs rw,nosuid,nodev,noexec,relatime 0 0
            """
        #expect(TraceFileSystem.mountPoint(in: table) == "/sys/kernel/tracing")
        #expect(TraceFileSystem.mountPoint(in: "none /my\\040trace tracefs rw 0 0\n") == "/my trace")
        #expect(TraceFileSystem.mountPoint(in: "sysfs /sys sysfs rw 0 0\n") == nil)
    }
}

@Suite("Recording as an ordinary user", .enabled(if: getuid() != 0, "needs a non-root user"))
struct DropRecorderUnprivilegedTests {
    @Test("without root the recorder is unavailable and says permission, not a missing event")
    func permissionDenied() {
        let recorder = DropRecorder.start(signature: DropSignature(frameLengths: [1000]))
        guard case .unavailable(let error) = recorder.state else {
            Issue.record("expected unavailable, got \(recorder.state)")
            return
        }
        #expect(error.kind == .permissionDenied || error.kind == .notMounted)
        #expect(error.description.contains("root"))
    }
}

/// Removes a tracefs instance, retrying EBUSY for up to 2 s; whether it is gone.
func removeInstance(_ path: String) -> Bool {
    for _ in 0..<100 {
        if rmdir(path) == 0 || errno == ENOENT { return true }
        usleep(20_000)
    }
    return false
}
