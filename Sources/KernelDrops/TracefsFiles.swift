import Glibc
import LinuxNet

/// The tracefs control files, through LinuxNet's `FileDescriptor` and `FileSystem` (which retry EINTR);
/// their `SystemError`s become `TracingError`s.
enum TracefsFiles {
    /// Writes `text` to a control file such as `events/skb/kfree_skb/enable`. The corresponding C function is
    /// `write`.
    static func write(_ text: String, to path: String) throws(TracingError) {
        let file = try open(path, flags: O_WRONLY | O_TRUNC)
        do { try file.write(Array(text.utf8) + [0x0a], "write '\(text)' to \(path)") } catch {
            throw .system(error.operation, code: error.code)
        }
    }

    /// Reads a small control or format file whole.
    static func read(_ path: String) throws(TracingError) -> String {
        let file = try open(path, flags: O_RDONLY)
        do { return String(decoding: try file.readToEnd("read \(path)"), as: UTF8.self) } catch {
            throw .system(error.operation, code: error.code)
        }
    }

    /// Opens a tracefs file (close-on-exec); a missing file is `noSuchEvent`. The corresponding C function is
    /// `open`.
    static func open(_ path: String, flags: Int32) throws(TracingError) -> FileDescriptor {
        do { return try FileDescriptor.open(path, flags: flags) } catch {
            throw TracingError(error.code == ENOENT ? .noSuchEvent : .failed, "open \(path)", code: error.code)
                .permissionAware
        }
    }

    /// Whether `path` exists.
    static func exists(_ path: String) -> Bool { FileSystem.exists(path) }

    /// The corresponding C function is `mkdir`.
    static func makeDirectory(_ path: String) throws(TracingError) {
        do { try FileSystem.makeDirectory(path, mode: 0o750) } catch {
            throw .system(error.operation, code: error.code)
        }
    }

    /// The corresponding C function is `rmdir`; for a tracefs instance it also disables its events.
    static func removeDirectory(_ path: String) throws(TracingError) {
        do { try FileSystem.removeDirectory(path) } catch { throw .system(error.operation, code: error.code) }
    }

    /// The names in a directory, without `.` and `..`.
    static func list(_ path: String) throws(TracingError) -> [String] {
        do { return try FileSystem.names(in: path) } catch { throw .system(error.operation, code: error.code) }
    }
}

extension TracingError {
    /// Turns EPERM/EACCES into `.permissionDenied` whatever kind the caller guessed.
    var permissionAware: TracingError {
        code == EPERM || code == EACCES ? TracingError(.permissionDenied, subject, code: code) : self
    }
}
