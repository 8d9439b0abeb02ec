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

    /// Runs `body(index)` for every index in `0..<count`, each on a thread of its own, and waits for all of
    /// them; the results come back in index order.
    ///
    /// Every call gets its own thread, unlike `DispatchQueue.concurrentPerform`, which runs only as many at
    /// once as there are cores: the work this is for (opening captures in other namespaces, waiting for
    /// `lxc-*` tools, closing packet sockets that wait out an RCU grace period) is mostly waiting.
    public static func map<T>(
        _ count: Int,
        name: String,
        _ body: @escaping @Sendable (Int) throws -> T
    ) -> [Result<T, any Error>] {
        let slots = ResultSlots<T>(count: count)
        let group = DispatchGroup()
        for index in 0..<count {
            group.enter()
            start(name: "\(name) \(index)") {
                slots.store(index, Result { try body(index) })
                group.leave()
            }
        }
        group.wait()
        return slots.results
    }

    /// Runs `body` on a new thread and suspends the caller until it returns.
    public static func run<T: Sendable>(name: String, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            start(name: name) { continuation.resume(with: Result { try body() }) }
        }
    }
}

/// Where `map`'s threads leave their results.
/// Safe: every access holds `lock`, and the waiter reads only after every worker has stored.
private final class ResultSlots<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<T, any Error>?]

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func store(_ index: Int, _ result: Result<T, any Error>) { lock.withLock { slots[index] = result } }

    var results: [Result<T, any Error>] { lock.withLock { slots.map { $0! } } }
}

/// Carries a result from the worker thread to the waiting one.
/// Safe: written once by the worker before `signal()`, read by the waiter only after `wait()`.
private final class ResultBox<T>: @unchecked Sendable {
    var result: Result<T, any Error>?
}
