import Foundation
internal import LinuxNet

/// Says which step of `lab up` is running once it has taken more than `delay` seconds, and how long it took
/// when it ends; quicker steps say nothing. Steps may run at once on several threads (the containers are made
/// in parallel). Safe to share: `started` and `reported` are only touched while holding `lock`.
package final class LabProgress: @unchecked Sendable {
    private let report: @Sendable (String) -> Void
    private let delay: Double
    private let lock = NSLock()
    private var started: [Int: UInt64] = [:]
    private var reported: Set<Int> = []
    private var nextStep = 0

    /// `report` gets each line (without a newline), on any thread.
    package init(after delay: Double = 1, report: @escaping @Sendable (String) -> Void) {
        self.delay = delay
        self.report = report
    }

    /// Runs `body` as the step `name`.
    func step<T>(_ name: String, _ body: () throws -> T) rethrows -> T {
        let id = lock.withLock { () -> Int in
            nextStep += 1
            started[nextStep] = monotonicNanoseconds()
            return nextStep
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + delay) { [self] in
            let running = lock.withLock { () -> Bool in
                guard started[id] != nil else { return false }
                reported.insert(id)
                return true
            }
            if running { report("lab up: \(name)...") }
        }
        defer {
            let (start, wasReported) = lock.withLock { (started.removeValue(forKey: id), reported.remove(id) != nil) }
            if wasReported, let start {
                let seconds = Double(monotonicNanoseconds() - start) / 1e9
                report("lab up: \(name): done in \(String(format: "%.1f", seconds)) s")
            }
        }
        return try body()
    }
}
