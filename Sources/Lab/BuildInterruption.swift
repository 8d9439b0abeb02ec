import Foundation

/// Lets Ctrl-C stop a build between steps: `interrupt` waits for the steps in flight to finish and makes every
/// later step throw, so the undo that follows sees everything the build will ever make.
/// Safe to share: `cancelled` and `inFlight` are only touched while holding `condition`.
final class BuildInterruption: @unchecked Sendable {
    private let condition = NSCondition()
    private var cancelled = false
    private var inFlight = 0

    /// Runs one step unless the build was interrupted.
    func step<T>(_ body: () throws -> T) throws -> T {
        condition.lock()
        if cancelled {
            condition.unlock()
            throw LabError.interrupted
        }
        inFlight += 1
        condition.unlock()
        defer {
            condition.lock()
            inFlight -= 1
            condition.broadcast()
            condition.unlock()
        }
        return try body()
    }

    /// Stops the build: no further step starts, and this returns once the running ones are done.
    func interrupt() {
        condition.lock()
        cancelled = true
        while inFlight > 0 { condition.wait() }
        condition.unlock()
    }

    var isInterrupted: Bool {
        condition.lock()
        defer { condition.unlock() }
        return cancelled
    }
}
