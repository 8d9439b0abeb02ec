import Foundation
import Glibc

/// Runs `body` holding an exclusive lock that every engine lab test takes, across suites and test processes:
/// engines share global state (Podman's namespace files in /run/netns, netavark's address database), which a
/// test's leftover check would otherwise count against a test running beside it. Waits at most 15 minutes.
package func withEngineTestLock<T>(_ body: () throws -> T) throws -> T {
    let path = "/run/lxcdiag/engine-tests.lock"
    try FileManager.default.createDirectory(atPath: "/run/lxcdiag", withIntermediateDirectories: true)
    let descriptor = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
    guard descriptor >= 0 else { throw CocoaError(.fileWriteUnknown) }
    defer { close(descriptor) }
    let deadline = Date().addingTimeInterval(900)
    while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
        guard Date() < deadline else { throw CocoaError(.fileLocking) }
        usleep(100_000)
    }
    return try body()
}
