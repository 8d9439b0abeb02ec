import Dispatch
import Glibc
import LinuxNet

/// Reads an instance's `trace_pipe` on a dedicated thread and hands each complete line that `admits` lets
/// through to `onLine`.
///
/// Lines are found with `memchr` in the bytes read and only admitted ones become Strings, so a flood of
/// lines the caller can tell apart cheaply (`TraceRecord.dropBufferAddress`) costs little per line.
///
/// `trace_pipe` consumes what it returns, so the ring buffer stays small however long the trace runs. The
/// file is opened non-blocking and polled together with a wake pipe. Each round reads at most
/// `bytesPerRound` before looking at the wake pipe again, so a kernel writing faster than lines are handled
/// (a flood of drops) never keeps the reader from seeing `stop()`. Woken, it reads what is left for at most
/// `finalDrainNs` (the recorder has switched tracing off by then, so that is bounded anyway), closes the
/// file (so the instance can be removed) and ends.
final class TracePipeReader: Sendable {
    private let wake: WakePipe
    private let finished = DispatchSemaphore(value: 0)

    /// Bytes read in one round before the wake pipe is looked at again.
    static let bytesPerRound = 256 * 1024
    /// How long the reader goes on reading after `stop()` before it closes `trace_pipe`.
    static let finalDrainNs: UInt64 = 100_000_000

    /// Opens `instance`'s `trace_pipe` and starts reading.
    init(
        instance: TraceInstance,
        admits: @escaping @Sendable (UnsafeBufferPointer<UInt8>) -> Bool = { _ in true },
        onLine: @escaping @Sendable (Substring) -> Void
    ) throws(TracingError) {
        do { wake = try WakePipe() } catch { throw TracingError(.failed, "\(error)", code: error.code) }
        let pipe = try TracefsFiles.open("\(instance.path)/trace_pipe", flags: O_RDONLY | O_NONBLOCK)
        let wake = wake
        let finished = finished
        DedicatedThread.start(name: "trace_pipe \(instance.name)") {
            var pending: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 65_536)
            while true {
                // Poll with a timeout as well: trace_pipe wakes pollers only once buffer_percent is reached.
                let woken = ((try? wake.wait(for: pipe.rawValue, timeoutMilliseconds: 100)) ?? .woken) == .woken
                if woken {
                    let deadline = monotonicNanoseconds() + Self.finalDrainNs
                    while monotonicNanoseconds() < deadline,
                        Self.drain(
                            pipe,
                            into: &pending,
                            chunk: &chunk,
                            upTo: Self.bytesPerRound,
                            admits: admits,
                            onLine: onLine
                        )
                    {}
                    break
                }
                Self.drain(
                    pipe,
                    into: &pending,
                    chunk: &chunk,
                    upTo: Self.bytesPerRound,
                    admits: admits,
                    onLine: onLine
                )
            }
            if !pending.isEmpty { onLine(Substring(String(decoding: pending, as: UTF8.self))) }
            pipe.close()
            finished.signal()
        }
    }

    /// Wakes the reader and waits (up to 2 s) until it has closed `trace_pipe`; returns whether it has.
    /// Safe to call more than once and from the signal thread.
    @discardableResult
    func stop() -> Bool {
        wake.signal()
        guard finished.wait(timeout: .now() + 2) == .success else { return false }
        finished.signal()
        return true
    }

    /// Reads up to `limit` bytes, passing on complete admitted lines and keeping a partial last line; returns
    /// whether the pipe may hold more (the limit was reached before it ran empty).
    @discardableResult
    private static func drain(
        _ pipe: FileDescriptor,
        into pending: inout [UInt8],
        chunk: inout [UInt8],
        upTo limit: Int,
        admits: (UnsafeBufferPointer<UInt8>) -> Bool,
        onLine: (Substring) -> Void
    ) -> Bool {
        var read = 0
        while read < limit {
            // EAGAIN (nothing left for now) ends the round like end of file.
            guard let count = try? pipe.read(into: &chunk, "read trace_pipe"), count > 0 else { return false }
            read += count
            pending.append(contentsOf: chunk[..<count])
            let used = pending.withUnsafeBufferPointer { bytes in
                forEachLine(in: bytes) { line in
                    if admits(line) { onLine(Substring(String(decoding: line, as: UTF8.self))) }
                }
            }
            pending.removeFirst(used)
            // A line longer than any event the kernel prints: not ours, and it must not grow without end.
            if pending.count > chunk.count { pending.removeAll(keepingCapacity: true) }
        }
        return true
    }

    /// Calls `body` with each newline-terminated line of `bytes` (without the newline, empty ones skipped);
    /// returns how many bytes that consumed. The corresponding C function is `memchr`.
    private static func forEachLine(
        in bytes: UnsafeBufferPointer<UInt8>,
        _ body: (UnsafeBufferPointer<UInt8>) -> Void
    ) -> Int {
        guard let base = bytes.baseAddress else { return 0 }
        var start = 0
        while start < bytes.count, let newline = memchr(base + start, 0x0a, bytes.count - start) {
            let end = UnsafeRawPointer(newline) - UnsafeRawPointer(base)
            if end > start { body(UnsafeBufferPointer(rebasing: bytes[start..<end])) }
            start = end + 1
        }
        return start
    }
}
