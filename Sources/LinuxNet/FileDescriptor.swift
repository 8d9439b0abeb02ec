internal import CLinuxNet
import Foundation
import Glibc

/// An open file descriptor with one owner: closed exactly once, by `close()` or when the owner goes away.
///
/// Every call on it retries EINTR and throws `SystemError` naming the operation, so callers outside LinuxNet
/// need neither Glibc nor their own retry loops.
/// Safe to share: `descriptor` changes only under `lock`, in `close()`; the other calls read it once and the
/// kernel serialises calls on one descriptor. A call racing `close()` gets EBADF, never another file.
package final class FileDescriptor: @unchecked Sendable {
    private let lock = NSLock()
    private var descriptor: Int32

    /// Takes ownership of `descriptor`, an open file descriptor nobody else closes.
    package init(owning descriptor: Int32) {
        self.descriptor = descriptor
    }

    deinit { close() }

    /// Opens `path` (close-on-exec always added). The corresponding C function is `open`.
    package static func open(_ path: String, flags: Int32, mode: UInt32 = 0o644) throws(SystemError) -> FileDescriptor {
        let fd = try retryingOnInterrupt("open \(path)") { Glibc.open(path, flags | O_CLOEXEC, mode_t(mode)) }
        return FileDescriptor(owning: fd)
    }

    /// The number, for calls that take one (`poll` sets, C shims); valid while this value is open.
    package var rawValue: Int32 { lock.withLock { descriptor } }

    /// Whether `close()` has run.
    package var isClosed: Bool { rawValue < 0 }

    /// Closes the descriptor; later calls do nothing. EINTR is not retried: Linux releases the fd anyway.
    /// The corresponding C function is `close`.
    package func close() {
        let fd = lock.withLock { () -> Int32 in
            defer { descriptor = -1 }
            return descriptor
        }
        if fd >= 0 { _ = Glibc.close(fd) }
    }

    /// Reads into `buffer` (up to its count) and returns how many bytes came: 0 at end of file. A non-blocking
    /// descriptor with nothing to read throws EAGAIN. The corresponding C function is `read`.
    package func read(into buffer: inout [UInt8], _ what: @autoclosure () -> String = "read") throws(SystemError) -> Int
    {
        let fd = rawValue
        let capacity = buffer.count
        return try retryingOnInterrupt(what()) {
            buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, capacity) }
        }
    }

    /// Reads up to `capacity` bytes; an empty array at end of file. The corresponding C function is `read`.
    package func read(upTo capacity: Int, _ what: @autoclosure () -> String = "read") throws(SystemError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: capacity)
        let fd = rawValue
        let count = try retryingOnInterrupt(what()) {
            buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, capacity) }
        }
        return Array(buffer.prefix(count))
    }

    /// Reads until end of file.
    package func readToEnd(_ what: @autoclosure () -> String = "read") throws(SystemError) -> [UInt8] {
        var all: [UInt8] = []
        while true {
            let chunk = try read(upTo: 65_536, what())
            if chunk.isEmpty { return all }
            all += chunk
        }
    }

    /// Writes all of `bytes`, continuing after short writes. The corresponding C function is `write`.
    package func write(_ bytes: [UInt8], _ what: @autoclosure () -> String = "write") throws(SystemError) {
        let fd = rawValue
        var offset = 0
        while offset < bytes.count {
            let written = try retryingOnInterrupt(what()) {
                bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            }
            offset += written
        }
    }

    /// Waits up to `timeoutMilliseconds` (-1: forever) for `events`; the events that happened, empty on timeout.
    /// The corresponding C function is `poll`.
    package func poll(_ events: PollEvents, timeoutMilliseconds: Int32) throws(SystemError) -> PollEvents {
        let fd = rawValue
        let result = try retryingOnInterrupt("poll") {
            CLinuxNet_poll_events(fd, Int16(events.rawValue), timeoutMilliseconds)
        }
        return PollEvents(rawValue: Int32(result))
    }

    /// Takes an advisory lock on the whole file; false when another holder has it and `wait` is false.
    /// The corresponding C function is `flock`.
    package func lock(exclusive: Bool = true, wait: Bool) throws(SystemError) -> Bool {
        let fd = rawValue
        let operation = (exclusive ? LOCK_EX : LOCK_SH) | (wait ? 0 : LOCK_NB)
        do {
            _ = try retryingOnInterrupt("flock") { flock(fd, operation) }
            return true
        } catch  where error.code == EWOULDBLOCK {
            return false
        }
    }
}

extension FileDescriptor {
    /// Opens `name` relative to this directory (close-on-exec always added). Resolving a path component by
    /// component costs the kernel a scan of every namespace's entry of that name under /proc/sys (they share
    /// one directory entry name), so a namespace's sysctls are read from one open directory instead of by
    /// full paths. The corresponding C function is `openat`.
    package func open(_ name: String, flags: Int32) throws(SystemError) -> FileDescriptor {
        let directory = rawValue
        let fd = try retryingOnInterrupt("open \(name)") { Glibc.openat(directory, name, flags | O_CLOEXEC) }
        return FileDescriptor(owning: fd)
    }

    /// The names in this directory, without `.` and `..`; the descriptor itself stays where it was.
    /// The corresponding C functions are `openat` (of "."), `fdopendir` and `readdir`.
    package func names() throws(SystemError) -> [String] {
        let own = try open(".", flags: O_RDONLY | O_DIRECTORY)
        let fd = own.lock.withLock { () -> Int32 in
            defer { own.descriptor = -1 }
            return own.descriptor
        }
        guard let directory = fdopendir(fd) else {
            let error = SystemError.current("list directory")
            _ = Glibc.close(fd)
            throw error
        }
        return FileSystem.names(readingAndClosing: directory)
    }

    /// Reads a small file `name` in this directory whole (a sysctl, at most `capacity` bytes).
    package func contents(of name: String, capacity: Int = 64) throws(SystemError) -> [UInt8] {
        try open(name, flags: O_RDONLY).read(upTo: capacity, "read \(name)")
    }

    /// Which file this descriptor is open on (its device and inode). The corresponding C function is `fstat`.
    package func identity() throws(SystemError) -> FileIdentity {
        var status = stat()
        let fd = rawValue
        _ = try retryingOnInterrupt("fstat") { fstat(fd, &status) }
        return FileIdentity(device: UInt64(status.st_dev), inode: UInt64(status.st_ino))
    }
}

/// A file's device and inode: two paths or descriptors name the same file when these are equal.
package struct FileIdentity: Sendable, Hashable {
    package var device: UInt64
    package var inode: UInt64
}

/// The `poll` events a `FileDescriptor` waits for or reports.
package struct PollEvents: OptionSet, Sendable, Hashable {
    package var rawValue: Int32
    package init(rawValue: Int32) { self.rawValue = rawValue }

    package static let readable = PollEvents(rawValue: Int32(POLLIN))
    package static let writable = PollEvents(rawValue: Int32(POLLOUT))
    package static let error = PollEvents(rawValue: Int32(POLLERR))
    package static let hangUp = PollEvents(rawValue: Int32(POLLHUP))
}

/// The file-system calls outside a descriptor, each retrying EINTR and throwing `SystemError`.
package enum FileSystem {
    /// The corresponding C function is `mkdir`.
    package static func makeDirectory(_ path: String, mode: UInt32) throws(SystemError) {
        _ = try retryingOnInterrupt("mkdir \(path)") { Glibc.mkdir(path, mode_t(mode)) }
    }

    /// The corresponding C function is `rmdir`.
    package static func removeDirectory(_ path: String) throws(SystemError) {
        _ = try retryingOnInterrupt("rmdir \(path)") { Glibc.rmdir(path) }
    }

    /// Which file `path` names now. The corresponding C function is `stat`.
    package static func identity(of path: String) throws(SystemError) -> FileIdentity {
        var status = stat()
        _ = try retryingOnInterrupt("stat \(path)") { stat(path, &status) }
        return FileIdentity(device: UInt64(status.st_dev), inode: UInt64(status.st_ino))
    }

    /// Removes the file `path`. The corresponding C function is `unlink`.
    package static func removeFile(_ path: String) throws(SystemError) {
        _ = try retryingOnInterrupt("unlink \(path)") { unlink(path) }
    }

    /// Whether `path` exists. The corresponding C function is `access(F_OK)`.
    package static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// Whether the caller may write into and enter the directory `path`. The corresponding C function is
    /// `access(W_OK | X_OK)`; throws its error when not.
    package static func checkWritableDirectory(_ path: String) throws(SystemError) {
        _ = try retryingOnInterrupt("write to \(path)") { access(path, W_OK | X_OK) }
    }

    /// The names in a directory, without `.` and `..`. The corresponding C functions are `opendir`, `readdir`.
    package static func names(in path: String) throws(SystemError) -> [String] {
        guard let directory = opendir(path) else { throw SystemError.current("list \(path)") }
        return FileSystem.names(readingAndClosing: directory)
    }

    /// The names `directory` lists, without `.` and `..`; closes it. The corresponding C function is `readdir`.
    fileprivate static func names(readingAndClosing directory: OpaquePointer) -> [String] {
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Mounts a pseudo file system (`tracefs`) at `target`, with nosuid, nodev and noexec. The corresponding C
    /// function is `mount`.
    package static func mountPseudo(_ type: String, at target: String) throws(SystemError) {
        let flags = UInt(MS_NOSUID | MS_NODEV | MS_NOEXEC)
        _ = try retryingOnInterrupt("mount \(type) on \(target)") { mount(type, target, type, flags, nil) }
    }
}
