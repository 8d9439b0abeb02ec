import Foundation

/// Runs blocking work (setns, recv, pcap loops) on a thread of its own, never on the Swift concurrency pool.
package enum DedicatedThread {
    /// Starts `body` on a new thread and returns at once; the thread ends when `body` returns.
    package static func start(name: String, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread(block: body)
        thread.name = name
        thread.start()
    }

    /// Runs `body` on a new thread and blocks the caller until it returns.
    package static func run<T>(name: String, _ body: @escaping @Sendable () throws -> T) throws -> T {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        start(name: name) {
            box.result = Result { try body() }
            done.signal()
        }
        done.wait()
        return try box.result!.get()
    }

    /// Runs `body(index)` for every index in `0..<count` on dedicated threads and waits for all of them; the
    /// results come back in index order.
    ///
    /// By default every call gets its own thread, unlike `DispatchQueue.concurrentPerform`, which runs only as
    /// many at once as there are cores: the work this is for (opening captures in other namespaces, waiting for
    /// `lxc-*` tools, closing packet sockets that wait out an RCU grace period) is mostly waiting. `maxThreads`
    /// bounds the threads instead; each then takes the next index until none is left, so one thread may run
    /// several calls: bounded callers must not change their thread (no namespace switch; `mapInNetworkNamespaces`
    /// with `maxThreads` switches anew for every call).
    package static func map<T>(
        _ count: Int,
        name: String,
        maxThreads: Int? = nil,
        _ body: @escaping @Sendable (Int) throws -> T
    ) -> [Result<T, any Error>] {
        let slots = ResultSlots<T>(count: count)
        let group = DispatchGroup()
        // Without a bound each thread runs exactly its own index, so a call may leave its thread changed
        // (mapInNetworkNamespaces relies on that); with one, threads take indexes until none are left.
        let threads = maxThreads.map { min(max($0, 1), count) } ?? count
        for worker in 0..<threads {
            group.enter()
            start(name: "\(name) \(worker)") {
                var index: Int? = maxThreads == nil ? worker : slots.takeNextIndex()
                while let current = index {
                    slots.store(current, Result { try body(current) })
                    index = maxThreads == nil ? nil : slots.takeNextIndex()
                }
                group.leave()
            }
        }
        group.wait()
        return slots.results
    }

    /// Runs `body` on a new thread and suspends the caller until it returns.
    package static func run<T: Sendable>(name: String, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            start(name: name) { continuation.resume(with: Result { try body() }) }
        }
    }
}

/// The indexes `map`'s threads take, and the results they leave.
/// Safe: every access holds `lock`, and the waiter reads only after every worker has finished.
private final class ResultSlots<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<T, any Error>?]
    private var next = 0

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    /// The next index no thread has taken yet, or nil when all are taken.
    func takeNextIndex() -> Int? {
        lock.withLock {
            guard next < slots.count else { return nil }
            defer { next += 1 }
            return next
        }
    }

    func store(_ index: Int, _ result: Result<T, any Error>) { lock.withLock { slots[index] = result } }

    var results: [Result<T, any Error>] { lock.withLock { slots.map { $0! } } }
}

/// Carries a result from the worker thread to the waiting one.
/// Safe: written once by the worker before `signal()`, read by the waiter only after `wait()`.
private final class ResultBox<T>: @unchecked Sendable {
    var result: Result<T, any Error>?
}
