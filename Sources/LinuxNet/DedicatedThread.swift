import Foundation

/// Runs blocking work (setns, recv, pcap loops) on a thread of its own, never on the Swift concurrency pool.
public enum DedicatedThread {
    /// Starts `body` on a new thread and returns at once; the thread ends when `body` returns.
    public static func start(name: String, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread(block: body)
        thread.name = name
        thread.start()
    }

    /// Runs `body` on a new thread and blocks the caller until it returns.
    public static func run<T>(name: String, _ body: @escaping @Sendable () throws -> T) throws -> T {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        start(name: name) {
            box.result = Result { try body() }
            done.signal()
        }
        done.wait()
        return try box.result!.get()
    }

    /// Runs `body` on a new thread and suspends the caller until it returns.
    public static func run<T: Sendable>(name: String, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            start(name: name) { continuation.resume(with: Result { try body() }) }
        }
    }
}

/// Carries a result from the worker thread to the waiting one.
/// Safe: written once by the worker before `signal()`, read by the waiter only after `wait()`.
private final class ResultBox<T>: @unchecked Sendable {
    var result: Result<T, any Error>?
}
