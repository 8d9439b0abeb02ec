import Foundation
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
        let file = try acquire(path, name: lab.name, deadline: deadline)
        held.hold(file)
        defer {
            if !FileManager.default.fileExists(atPath: statePath) { try? FileSystem.removeFile(path) }
            held.release()
        }
        return try body()
    }

    private static func acquire(_ path: String, name: String, deadline: UInt64) throws(LabError) -> FileDescriptor {
        try? FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true
        )
        while true {
            let file: FileDescriptor
            do { file = try FileDescriptor.open(path, flags: O_CREAT | O_RDWR, mode: 0o644) } catch {
                throw LabError.stateFile(path: path, reason: String(cString: strerror(error.code)))
            }
            while true {
                let locked: Bool
                do { locked = try file.lock(wait: false) } catch {
                    throw LabError.stateFile(
                        path: path,
                        reason: "cannot lock: \(String(cString: strerror(error.code)))"
                    )
                }
                if locked { break }
                guard monotonicNanoseconds() < deadline else { throw LabError.busy(name) }
                usleep(20_000)
            }
            // The holder before us may have removed the file: then lock the new one.
            if let held = try? file.identity(), let named = try? FileSystem.identity(of: path), held == named {
                return file
            }
        }
    }
}

/// The descriptor that holds a lab's lock, shared with the signal thread.
/// Safe to share: `file` is only touched while holding `lock`.
private final class HeldLock: @unchecked Sendable {
    private let lock = NSLock()
    private var file: FileDescriptor?

    func hold(_ descriptor: FileDescriptor) { lock.withLock { file = descriptor } }

    func release() {
        lock.withLock {
            file?.close()
            file = nil
        }
    }

    /// On a termination signal: removes the lock file when the lab is gone (no state file) and the lock is
    /// this process's or nobody's; a file another process holds is left to it.
    func removeUnlessInUse(_ path: String, statePath: String) {
        guard !FileManager.default.fileExists(atPath: statePath) else { return }
        let ours = lock.withLock { file != nil }
        if ours {
            try? FileSystem.removeFile(path)
            return
        }
        guard let probe = try? FileDescriptor.open(path, flags: O_RDWR) else { return }
        if (try? probe.lock(wait: false)) == true { try? FileSystem.removeFile(path) }
    }
}
