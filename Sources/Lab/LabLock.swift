import Foundation
import Glibc
internal import LinuxNet

/// Serialises `up` and `down` of one lab, across processes and threads: two `up`s racing for the same names
/// would each undo what the other made.
///
/// An exclusive `flock` on `<state directory>/<name>.lock`; the kernel releases it when the descriptor closes,
/// also when the process dies, so a killed `up` never leaves the lab locked. Once the lab is gone the lock
/// file is removed while still held; a waiter that then gets the lock on the removed file notices (the path
/// no longer names its file) and locks afresh. Ctrl-C and SIGTERM remove it the same way (after the build's
/// undo, which runs first): the signal thread ends the process without returning here.
enum LabLock {
    /// Runs `body` holding the lab's lock, waiting up to `timeoutSeconds` for another holder to finish.
    static func holding<T>(_ lab: LabConfiguration, timeoutSeconds: Double = 180, _ body: () throws -> T) throws -> T {
        let path = "\(lab.stateDirectory)/\(lab.name).lock"
        let statePath = lab.statePath
        let held = HeldLock()
        let token = TerminationCleanup.shared.register { held.removeUnlessInUse(path, statePath: statePath) }
        defer { TerminationCleanup.shared.unregister(token) }
        let deadline = monotonicNanoseconds() + UInt64(timeoutSeconds * 1e9)
        let fd = try acquire(path, name: lab.name, deadline: deadline)
        held.hold(fd)
        defer {
            if !FileManager.default.fileExists(atPath: statePath) { unlink(path) }
            held.release()
        }
        return try body()
    }

    private static func acquire(_ path: String, name: String, deadline: UInt64) throws(LabError) -> Int32 {
        try? FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true
        )
        while true {
            let fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw LabError.stateFile(path: path, reason: String(cString: strerror(errno))) }
            while flock(fd, LOCK_EX | LOCK_NB) != 0 {
                let code = errno
                guard code == EWOULDBLOCK || code == EINTR, monotonicNanoseconds() < deadline else {
                    close(fd)
                    if code == EWOULDBLOCK || code == EINTR { throw LabError.busy(name) }
                    throw LabError.stateFile(path: path, reason: "cannot lock: \(String(cString: strerror(code)))")
                }
                usleep(20_000)
            }
            var held = stat()
            var named = stat()
            if fstat(fd, &held) == 0, stat(path, &named) == 0, held.st_ino == named.st_ino, held.st_dev == named.st_dev
            {
                return fd
            }
            close(fd)  // the holder before us removed the file: lock the new one
        }
    }
}

/// The descriptor that holds a lab's lock, shared with the signal thread.
/// Safe to share: `fd` is only touched while holding `lock`.
private final class HeldLock: @unchecked Sendable {
    private let lock = NSLock()
    private var fd: Int32 = -1

    func hold(_ descriptor: Int32) { lock.withLock { fd = descriptor } }

    func release() {
        lock.withLock {
            close(fd)
            fd = -1
        }
    }

    /// On a termination signal: removes the lock file when the lab is gone (no state file) and the lock is
    /// this process's or nobody's; a file another process holds is left to it.
    func removeUnlessInUse(_ path: String, statePath: String) {
        guard !FileManager.default.fileExists(atPath: statePath) else { return }
        let ours = lock.withLock { fd >= 0 }
        if ours {
            unlink(path)
            return
        }
        let probe = open(path, O_RDWR | O_CLOEXEC)
        guard probe >= 0 else { return }
        defer { close(probe) }
        if flock(probe, LOCK_EX | LOCK_NB) == 0 { unlink(path) }
    }
}
