import Dispatch
import Glibc

/// Work that may outlast the call that started it, never the process: `exit` waits for it.
///
/// For teardown nobody waits on the result of (removing a tracefs instance after its drops were read): it
/// overlaps whatever the process does next (correlating, rendering), and an `atexit` handler holds the exit
/// until it is done. Ctrl-C does not wait here: `TerminationCleanup` runs the owners' own cleanup.
package enum ExitBarrier {
    private static let pending = DispatchGroup()
    private static let installed: Bool = {
        // The signal thread's exit does not wait: the owners' cleanup actions have run, and a barrier thread
        // that was tearing down at that moment parks (`parkIfTerminating`), so waiting for it would never end.
        atexit { if !TerminationCleanup.shared.isTerminating { ExitBarrier.waitForAll() } }
        return true
    }()

    /// Runs `body` on a dedicated thread; the process does not exit (through `exit` or returning from main)
    /// before it returns.
    package static func start(name: String, _ body: @escaping @Sendable () -> Void) {
        _ = installed
        pending.enter()
        DedicatedThread.start(name: name) {
            body()
            pending.leave()
        }
    }

    /// Waits until everything `start` began has finished.
    package static func waitForAll() { pending.wait() }
}
