import Foundation

/// Errors gathered from work done in parallel. Safe to share: `errors` is only touched while holding `lock`.
final class ErrorCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var errors: [any Error] = []

    func add(_ error: any Error) { lock.withLock { errors.append(error) } }

    var all: [any Error] { lock.withLock { errors } }

    /// The first error that is not just the interruption echoing through the other workers.
    var first: (any Error)? {
        lock.withLock {
            errors.first { if case LabError.interrupted = $0 { false } else { true } } ?? errors.first
        }
    }
}
