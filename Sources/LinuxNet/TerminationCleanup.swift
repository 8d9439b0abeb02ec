internal import CLinuxNet
import Foundation

/// Undo actions that must run if the user presses Ctrl-C (or the process gets SIGTERM/SIGHUP).
///
/// `install()` blocks the termination signals in every thread and waits for them on a thread of its own, so a
/// signal never interrupts a half-made change: the registered actions run (newest first), then the process
/// exits with 128 + the signal number. Code that finishes normally unregisters its action and cleans up itself.
public final class TerminationCleanup: @unchecked Sendable {
    // Safe: every access to `actions`, `nextToken` and `terminating` holds `lock`.
    public static let shared = TerminationCleanup()

    private let lock = NSLock()
    private var actions: [(token: Int, action: @Sendable () -> Void)] = []
    private var nextToken = 0
    private var installed = false
    private var terminating = false

    /// Blocks SIGINT, SIGTERM and SIGHUP process-wide and starts the thread that handles them.
    /// Call it first thing in `main`, before any other thread exists, so that every thread inherits the mask.
    public func install() {
        let first = lock.withLock { () -> Bool in
            defer { installed = true }
            return !installed
        }
        guard first else { return }
        _ = CLinuxNet_block_termination_signals()
        DedicatedThread.start(name: "signals") { [self] in
            let signal = CLinuxNet_wait_termination_signal()
            let pending = lock.withLock { () -> [@Sendable () -> Void] in
                terminating = true
                return actions.reversed().map(\.action)
            }
            if !pending.isEmpty {
                FileHandle.standardError.write(Data("lxcdiag: interrupted, cleaning up\n".utf8))
            }
            for action in pending { action() }
            exit(128 + signal)
        }
    }

    /// Registers `action` to run on termination; returns a token for `unregister`.
    @discardableResult
    public func register(_ action: @escaping @Sendable () -> Void) -> Int {
        lock.withLock {
            nextToken += 1
            actions.append((nextToken, action))
            return nextToken
        }
    }

    /// Removes an action once the work it guards has been undone normally.
    public func unregister(_ token: Int) {
        lock.withLock { actions.removeAll { $0.token == token } }
    }

    /// Whether a termination signal is being handled: its undo actions are running or have run.
    public var isTerminating: Bool { lock.withLock { terminating } }

    /// Blocks the calling thread for good while a termination signal is handled, so that it cannot end the
    /// process (with its own exit status) before the undo actions finish; the signal thread exits instead.
    /// Call it after waiting for an undo action that the signal thread may be running. Returns at once
    /// when no signal is being handled.
    public func parkIfTerminating() {
        guard isTerminating else { return }
        while true { sleep(3600) }
    }

    /// Runs `body` with `undo` registered; `undo` runs on Ctrl-C but not on a normal return.
    public func guarding<T>(undo: @escaping @Sendable () -> Void, _ body: () throws -> T) rethrows -> T {
        let token = register(undo)
        defer { unregister(token) }
        return try body()
    }
}
