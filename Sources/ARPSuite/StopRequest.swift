import Foundation

/// Asks a running ping, scan or watch, from another thread, to stop early and report what it has so far.
///
/// The CLI sets it from the signal thread on Ctrl-C or SIGTERM; the loops look at it at least every 100 ms.
package final class StopRequest: @unchecked Sendable {
    // Safe: `stopped` is only read and written while holding `lock`.
    private let lock = NSLock()
    private var stopped = false

    package init() {}

    /// Asks the run to stop; idempotent.
    package func stop() { lock.withLock { stopped = true } }

    /// Whether `stop()` was called.
    package var isStopped: Bool { lock.withLock { stopped } }

    /// How long a loop may block before it looks at the request again.
    static let pollNs: UInt64 = 100_000_000
}
