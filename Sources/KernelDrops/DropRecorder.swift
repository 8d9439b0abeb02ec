import Foundation
import Glibc
import LinuxNet

/// Records, during one trace, the kernel's account of the run's frames: which of them it dropped, where and why.
///
/// `start` makes a private tracefs instance `lxcdiag-PID-RANDOM` (mounting tracefs if needed), enables
/// `skb/kfree_skb` and the `net` receive/transmit tracepoints with filters on the signature's lengths, and
/// reads the instance's `trace_pipe` on a thread of its own. `stop` switches the instance off, stops the
/// reader, removes the instance and returns the drops. Ctrl-C and SIGTERM remove it too (through
/// `TerminationCleanup.shared`), and a later run removes instances left by a killed one
/// (`removeStaleInstances`). An instance that cannot be removed within 2 s is named in one warning line on
/// standard error, never left silently.
///
/// Cheap under load: the kernel filters the packet events on length and interface name and `kfree_skb` on
/// the EtherType (its format has no length to filter on); the reader reads in bounded rounds, and a drop
/// line of a buffer no packet event made ours is skipped before it is parsed.
///
/// Starting never throws: without tracefs (not root, cannot mount, kernel without the tracepoints) the
/// recorder is `unavailable` and the trace reports that as a finding instead of failing.
///
/// ```swift
/// let recorder = DropRecorder.start(signature: DropSignature(frameLengths: [1027]))
/// // ... send the probes, wait for replies ...
/// let drops = recorder.stop()   // [KernelDrop(reason: "NETFILTER_DROP", location: "nft_do_chain+0x3e8/0x610", ...)]
/// ```
package final class DropRecorder: @unchecked Sendable {
    // Safe: every stored `var` is only touched while holding `lock`; the reader thread reaches them through
    // `consume`, which takes the lock too, and the signal thread through `tearDown`, which does the same.

    /// Whether the recorder is collecting drops.
    package enum State: Sendable, Hashable {
        /// Collecting into the named tracefs instance.
        case recording(instance: String)
        /// The kernel's drop account cannot be recorded; the reason says what is missing.
        case unavailable(TracingError)
        /// `stop()` has removed the instance.
        case stopped
    }

    /// The tracepoint every drop comes from.
    static let dropEvent = "skb/kfree_skb"

    private let lock = NSLock()
    /// Held for a whole teardown, which the signal thread and the caller may start at the same time.
    private let teardownLock = NSLock()
    private var currentState: State
    private var matcher: DropMatcher
    private var recorded: [KernelDrop] = []
    private var instance: TraceInstance?
    private var reader: TracePipeReader?
    private var cleanupToken: Int?
    private var symbols: KernelSymbols?
    private var setupDuration: UInt64 = 0
    private var teardownDuration: UInt64 = 0
    private var unremoved: String?

    private init(signature: DropSignature, windowNs: UInt64, state: State) {
        matcher = DropMatcher(signature: signature, windowNs: windowNs)
        currentState = state
    }

    /// Starts recording drops of frames matching `signature`; check `state` for `unavailable`.
    ///
    /// - Parameters:
    ///   - signature: the run's frame lengths, and optionally the interfaces to watch.
    ///   - fileSystem: the tracefs to use; nil finds the mounted one or mounts it.
    ///   - windowNs: how long after a frame's last packet event its drop is still attributed to it.
    package static func start(
        signature: DropSignature,
        fileSystem: TraceFileSystem? = nil,
        windowNs: UInt64 = 10_000_000
    ) -> DropRecorder {
        let began = monotonicNanoseconds()
        let recorder = DropRecorder(signature: signature, windowNs: windowNs, state: .stopped)
        defer { recorder.lock.withLock { recorder.setupDuration = monotonicNanoseconds() - began } }
        do throws(TracingError) {
            // The filters are built before tracefs is touched, so a bad signature makes nothing.
            for tracepoint in PacketEvent.tracepoints { _ = try signature.filter(for: tracepoint.direction) }
            let found: TraceFileSystem
            if let fileSystem { found = fileSystem } else { found = try TraceFileSystem.mounted() }
            try recorder.open(on: found, signature: signature)
        } catch {
            recorder.lock.withLock { recorder.currentState = .unavailable(error) }
        }
        return recorder
    }

    /// The recorder's state.
    package var state: State { lock.withLock { currentState } }

    /// The drops recorded so far, in the kernel's order.
    package var drops: [KernelDrop] { lock.withLock { recorded } }

    /// How long `start` took to mount, create and enable the instance and start its reader, in nanoseconds.
    package var setupNs: UInt64 { lock.withLock { setupDuration } }

    /// How long the last `stop` took to drain the reader and remove the instance, in nanoseconds.
    package var teardownNs: UInt64 { lock.withLock { teardownDuration } }

    /// How many events the kernel overwrote before they were read (drops among them are unknown).
    package var lostEvents: Int { lock.withLock { matcher.lostEvents } }

    /// The path of the instance `stop` could not remove (already named on standard error), or nil.
    package var leftBehind: String? { lock.withLock { unremoved } }

    /// Reads what the kernel still holds, removes the instance, and returns every drop recorded.
    @discardableResult
    package func stop() -> [KernelDrop] {
        tearDown()
        return drops
    }

    /// Switches the instance off and reads what the kernel still holds, and returns every drop recorded; the
    /// instance stays until `stop` removes it (removing takes tens of ms, which need not delay the result).
    package func collect() -> [KernelDrop] {
        teardownLock.withLock {
            let (reader, instance) = lock.withLock {
                defer { self.reader = nil }
                return (self.reader, self.instance)
            }
            instance?.quiesce()
            _ = reader?.stop()
        }
        return drops
    }

    deinit { tearDown() }

    // MARK: setting up and tearing down

    private func open(on fileSystem: TraceFileSystem, signature: DropSignature) throws(TracingError) {
        // tracefs is mode 0700: tell "not root" apart from "no such event" before looking for events.
        do { try FileSystem.checkWritableDirectory(fileSystem.instancesDirectory) } catch {
            throw error.code == ENOENT
                ? TracingError(.failed, "\(fileSystem.instancesDirectory) is missing (kernel without instances)")
                : TracingError.system(error.operation, code: error.code)
        }
        for event in [Self.dropEvent] + PacketEvent.tracepoints.map({ "net/\($0.name)" })
        where !fileSystem.hasEvent(event) {
            throw TracingError(.noSuchEvent, "events/\(event)")
        }
        let made = TraceInstance(fileSystem: fileSystem, name: TraceInstance.freshName(pid: getpid()))
        // Registered before the directory exists, so an interrupt at any later moment removes it; removing
        // an instance that is not there yet is a no-op.
        let token = TerminationCleanup.shared.register { [weak self] in
            self?.tearDown(interrupted: true)
            made.quiesce()
            try? made.remove()
        }
        lock.withLock {
            instance = made
            cleanupToken = token
        }
        do throws(TracingError) {
            try made.create()
            // Not `trace_clock mono`: switching clocks resets the buffer and costs ~30 ms. A marker stamped
            // by the trace clock and holding CLOCK_MONOTONIC gives the offset instead (see TraceRecord.clock).
            try made.set("trace_marker", to: "\(TraceRecord.clockMarker) \(monotonicNanoseconds())")
            // Wake a poller on the first event rather than once half the buffer is full.
            try? made.set("buffer_percent", to: "0")
            let reasons =
                signature.ignoredReasons.isEmpty
                ? [:] : DropReasonTable.numbers(in: (try? fileSystem.eventFormat(Self.dropEvent)) ?? "")
            try made.enable(Self.dropEvent, filter: signature.dropFilter(reasonNumbers: reasons))
            for tracepoint in PacketEvent.tracepoints {
                try made.enable("net/\(tracepoint.name)", filter: signature.filter(for: tracepoint.direction))
            }
            try startReader(on: made)
        } catch {
            tearDown()
            throw error
        }
    }

    /// Opens the reader under the lock, unless an interrupt has already torn the recorder down: then no
    /// reader may hold `trace_pipe` open, or the instance could not be removed.
    private func startReader(on made: TraceInstance) throws(TracingError) {
        lock.lock()
        defer { lock.unlock() }
        guard instance != nil else { throw TracingError(.failed, "interrupted while setting up \(made.name)") }
        reader = try TracePipeReader(
            instance: made,
            admits: { [weak self] line in self?.admits(line) ?? false },
            onLine: { [weak self] line in self?.consume(line) }
        )
        currentState = .recording(instance: made.name)
    }

    /// Switches the instance off, stops the reader, then removes the instance; idempotent, and safe from the
    /// signal thread.
    ///
    /// The order matters under load: with tracing on, a flood of events keeps `trace_pipe` full, and the
    /// instance cannot be removed while the reader holds it open. So tracing and events go off first, the
    /// reader reads what is left (bounded) and closes the pipe, and only then is the directory removed,
    /// retrying while the kernel still says it is busy.
    ///
    /// One teardown at a time: a caller that finds the signal thread tearing down waits until the instance
    /// is gone, then parks (the signal thread exits the process), so lxcdiag never exits before it is gone.
    private func tearDown(interrupted: Bool = false) {
        teardownLock.withLock {
            let (reader, instance, token) = lock.withLock {
                defer {
                    self.reader = nil
                    self.instance = nil
                    self.cleanupToken = nil
                    if case .recording = currentState { currentState = .stopped }
                }
                return (self.reader, self.instance, self.cleanupToken)
            }
            guard reader != nil || instance != nil else { return }
            let began = monotonicNanoseconds()
            instance?.quiesce()
            reader?.stop()
            if let instance {
                do throws(TracingError) { try instance.remove() } catch {
                    lock.withLock { unremoved = instance.path }
                    Self.warnLeftBehind(instance, error)
                }
            }
            if let token, !interrupted { TerminationCleanup.shared.unregister(token) }
            lock.withLock { teardownDuration = monotonicNanoseconds() - began }
        }
        if !interrupted { TerminationCleanup.shared.parkIfTerminating() }
    }

    /// The one line saying an instance stays behind. Written here, not by the CLI, because the signal thread
    /// tears down too and nobody else would say it.
    private static func warnLeftBehind(_ instance: TraceInstance, _ error: TracingError) {
        let cause = error.code == 0 ? "" : " (\(String(cString: strerror(error.code))))"
        let line =
            "lxcdiag: warning: could not remove tracefs instance \(instance.path)\(cause); "
            + "the next lxcdiag run removes it, or `rmdir \(instance.path)`\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// Whether a raw `trace_pipe` line is worth parsing. Under a flood nearly every line is the drop of a
    /// buffer that is not ours: it is skipped before it even becomes a String.
    private func admits(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let buffer = TraceRecord.dropBufferAddress(in: line) else { return true }
        return lock.withLock { matcher.isTracking(buffer: buffer) }
    }

    private func consume(_ line: Substring) {
        guard let record = TraceRecord(line: line) else { return }
        lock.withLock {
            guard var drop = matcher.consume(record) else { return }
            if drop.location.first?.isHexDigit == true, !drop.location.contains("+") {
                if symbols == nil { symbols = KernelSymbols.running() }
                drop.location = symbols?.resolve(location: drop.location) ?? drop.location
            }
            recorded.append(drop)
        }
    }

    // MARK: stale instances

    /// Removes the instances that killed lxcdiag runs left behind (`lxcdiag-PID-*` whose PID is gone) and
    /// returns their names. Instances of live processes and of other tools are left alone. A leftover may
    /// still be recording: it is switched off before it is removed.
    @discardableResult
    package static func removeStaleInstances(fileSystem: TraceFileSystem? = nil) -> [String] {
        guard let fileSystem = fileSystem ?? (try? TraceFileSystem.mounted(mountIfNeeded: false)),
            let names = try? TracefsFiles.list(fileSystem.instancesDirectory)
        else { return [] }
        return names.filter { name in
            guard let pid = TraceInstance.ownerPid(ofName: name), !isAlive(pid) else { return false }
            let stale = TraceInstance(fileSystem: fileSystem, name: name)
            stale.quiesce()
            return (try? stale.remove()) != nil
        }
    }

    /// Whether a process with this pid exists (EPERM means it exists but belongs to someone else).
    static func isAlive(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0 || errno != ESRCH
    }
}
