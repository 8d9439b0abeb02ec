import Dispatch
import Glibc
import LinuxNet

/// Reads an instance's `trace_pipe` on a dedicated thread and hands each complete line to `onLine`.
///
/// `trace_pipe` consumes what it returns, so the ring buffer stays small however long the trace runs. The
/// file is opened non-blocking and polled together with a wake pipe: `stop()` wakes the thread, which reads
/// what is left, closes the file (so the instance can be removed) and ends.
final class TracePipeReader: Sendable {
    private let wake: WakePipe
    private let finished = DispatchSemaphore(value: 0)

    /// Opens `instance`'s `trace_pipe` and starts reading.
    init(instance: TraceInstance, onLine: @escaping @Sendable (Substring) -> Void) throws(TracingError) {
        do { wake = try WakePipe() } catch { throw TracingError(.failed, "\(error)", code: error.code) }
        let fd = try TracefsFiles.open("\(instance.path)/trace_pipe", flags: O_RDONLY | O_NONBLOCK)
        let wake = wake
        let finished = finished
        DedicatedThread.start(name: "trace_pipe \(instance.name)") {
            var pending: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 65_536)
            var stopping = false
            while !stopping {
                // Poll with a timeout as well: trace_pipe wakes pollers only once buffer_percent is reached.
                switch (try? wake.wait(for: fd, timeoutMilliseconds: 100)) ?? .woken {
                case .woken: stopping = true
                case .readable, .timedOut: break
                }
                Self.drain(fd, into: &pending, chunk: &chunk, onLine: onLine)
            }
            if !pending.isEmpty { onLine(Substring(String(decoding: pending, as: UTF8.self))) }
            _ = Glibc.close(fd)
            finished.signal()
        }
    }

    /// Wakes the reader, lets it read what the kernel has buffered, and waits (up to 2 s) until it has closed
    /// `trace_pipe`. Safe to call more than once and from the signal thread.
    func stop() {
        wake.signal()
        if finished.wait(timeout: .now() + 2) == .success { finished.signal() }
    }

    /// Reads until the pipe is empty, passing on complete lines and keeping a partial last line.
    private static func drain(
        _ fd: Int32,
        into pending: inout [UInt8],
        chunk: inout [UInt8],
        onLine: (Substring) -> Void
    ) {
        while true {
            let count = chunk.withUnsafeMutableBytes { buffer in
                TracefsFiles.retrying { Glibc.read(fd, buffer.baseAddress, buffer.count) }
            }
            guard count > 0 else { return }
            pending.append(contentsOf: chunk[..<count])
            guard let lastNewline = pending.lastIndex(of: 0x0a) else { continue }
            let text = String(decoding: pending[...lastNewline], as: UTF8.self)
            pending.removeSubrange(...lastNewline)
            for line in text.split(separator: "\n") { onLine(line) }
        }
    }
}
