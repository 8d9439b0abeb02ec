import Foundation
import LinuxNet

/// Runs `body(0..<count)` each on a dedicated thread and waits for all of them.
///
/// Unlike `DispatchQueue.concurrentPerform`, which runs only as many at once as there are cores, every
/// iteration gets its own thread: the work is mostly waiting for `lxc-*` processes, so all of it overlaps.
func runOnParallelThreads(_ count: Int, name: String, _ body: @escaping @Sendable (Int) -> Void) {
    let group = DispatchGroup()
    for index in 0..<count {
        group.enter()
        DedicatedThread.start(name: "\(name) \(index)") {
            body(index)
            group.leave()
        }
    }
    group.wait()
}
