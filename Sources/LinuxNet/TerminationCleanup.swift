internal import CLinuxNet
import Foundation

/// Undo actions that must run if the user presses Ctrl-C (or the process gets SIGTERM/SIGHUP).
///
/// `install()` blocks the termination signals in every thread and waits for them on a thread of its own, so a
/// signal never interrupts a half-made change: the tools running at that moment get the same signal (as at a
/// terminal, where Ctrl-C reaches the whole foreground group), the registered actions run (newest first), then
/// the process exits with 128 + the signal number: 130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP. Code that
/// finishes normally unregisters its action and cleans up itself.
///
/// The status is deterministic: the command line calls `willExit()` before it exits, which parks the calling
/// thread while a signal is handled, and a signal that comes after `willExit()` is left to that exit.
package final class TerminationCleanup: @unchecked Sendable {
    // Safe: every access to `actions`, `nextToken`, `installed`, `terminating` and `exiting` holds `lock`.
    package static let shared = TerminationCleanup()

    private let lock = NSLock()
    private var actions: [(token: Int, action: @Sendable () -> Void)] = []
    private var nextToken = 0
    private var installed = false
    private var terminating = false
    private var exiting = false

    /// Blocks SIGINT, SIGTERM and SIGHUP process-wide and starts the thread that handles them.
    /// Call it first thing in `main`, before any other thread exists, so that every thread inherits the mask.
    package func install() {
        let first = lock.withLock { () -> Bool in
            defer { installed = true }
            return !installed
        }
        guard first else { return }
        _ = CLinuxNet_block_termination_signals()
        DedicatedThread.start(name: "signals") { [self] in
            let signal = CLinuxNet_wait_termination_signal()
            let pending = lock.withLock { () -> [@Sendable () -> Void]? in
                guard !exiting else { return nil }
                terminating = true
                return actions.reversed().map(\.action)
            }
            guard let pending else { return }  // the command is already exiting with its own status
            RunningTools.shared.signalAll(signal)
            if !pending.isEmpty {
                FileHandle.standardError.write(Data("lxcdiag: interrupted, cleaning up\n".utf8))
            }
            for action in pending { action() }
            exit(128 + signal)
        }
    }

    /// Registers `action` to run on termination; returns a token for `unregister`.
    @discardableResult
    package func register(_ action: @escaping @Sendable () -> Void) -> Int {
        lock.withLock {
            nextToken += 1
            actions.append((nextToken, action))
            return nextToken
        }
    }

    /// Removes an action once the work it guards has been undone normally.
    package func unregister(_ token: Int) {
        lock.withLock { actions.removeAll { $0.token == token } }
    }

    /// Whether a termination signal is being handled: its undo actions are running or have run.
    package var isTerminating: Bool { lock.withLock { terminating } }

    /// Blocks the calling thread for good while a termination signal is handled, so that it cannot end the
    /// process (with its own exit status) before the undo actions finish; the signal thread exits instead.
    /// Call it after waiting for an undo action that the signal thread may be running. Returns at once
    /// when no signal is being handled.
    package func parkIfTerminating() {
        guard isTerminating else { return }
        while true { sleep(3600) }
    }

    /// Call right before the process exits on its own (ArgumentParser's `exit`, say): returns at once, and from
    /// then on a termination signal is left to that exit; while a signal is being handled it never returns
    /// (the calling thread parks) and the signal thread exits with the signal's status once the undo actions
    /// are done.
    package func willExit() {
        let park = lock.withLock { () -> Bool in
            if !terminating { exiting = true }
            return terminating
        }
        if park { while true { sleep(3600) } }
    }

    /// Runs `body` with `undo` registered; `undo` runs on Ctrl-C but not on a normal return.
    package func guarding<T>(undo: @escaping @Sendable () -> Void, _ body: () throws -> T) rethrows -> T {
        let token = register(undo)
        defer { unregister(token) }
        return try body()
    }
}
