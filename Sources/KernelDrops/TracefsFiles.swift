import Glibc

/// The system calls on tracefs control files, each retrying EINTR and throwing `TracingError`.
enum TracefsFiles {
    /// Writes `text` to a control file such as `events/skb/kfree_skb/enable`. The corresponding C function is
    /// `write`.
    static func write(_ text: String, to path: String) throws(TracingError) {
        let fd = try open(path, flags: O_WRONLY | O_TRUNC)
        defer { _ = Glibc.close(fd) }
        var bytes = Array(text.utf8)
        bytes.append(0x0a)
        let written = bytes.withUnsafeBytes { buffer in
            retrying { Glibc.write(fd, buffer.baseAddress, buffer.count) }
        }
        if written < 0 { throw .system("write '\(text)' to \(path)", code: errno) }
    }

    /// Reads a small control or format file whole.
    static func read(_ path: String) throws(TracingError) -> String {
        let fd = try open(path, flags: O_RDONLY)
        defer { _ = Glibc.close(fd) }
        var contents: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = chunk.withUnsafeMutableBytes { buffer in
                retrying { Glibc.read(fd, buffer.baseAddress, buffer.count) }
            }
            if count < 0 { throw .system("read \(path)", code: errno) }
            if count == 0 { break }
            contents.append(contentsOf: chunk[..<count])
        }
        return String(decoding: contents, as: UTF8.self)
    }

    /// The corresponding C function is `open`; adds `O_CLOEXEC`.
    static func open(_ path: String, flags: Int32) throws(TracingError) -> Int32 {
        let fd = retrying { Glibc.open(path, flags | O_CLOEXEC) }
        if fd < 0 {
            throw TracingError(errno == ENOENT ? .noSuchEvent : .failed, "open \(path)", code: errno)
                .permissionAware
        }
        return fd
    }

    /// Whether `path` exists.
    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// The corresponding C function is `mkdir`.
    static func makeDirectory(_ path: String) throws(TracingError) {
        if retrying({ Glibc.mkdir(path, 0o750) }) != 0 { throw .system("mkdir \(path)", code: errno) }
    }

    /// The corresponding C function is `rmdir`; for a tracefs instance it also disables its events.
    static func removeDirectory(_ path: String) throws(TracingError) {
        if retrying({ Glibc.rmdir(path) }) != 0 { throw .system("rmdir \(path)", code: errno) }
    }

    /// The names in a directory, without `.` and `..`.
    static func list(_ path: String) throws(TracingError) -> [String] {
        guard let directory = opendir(path) else { throw .system("list \(path)", code: errno) }
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

    /// Runs `body` again while it fails with EINTR.
    static func retrying<T: FixedWidthInteger>(_ body: () -> T) -> T {
        while true {
            let result = body()
            if result == -1 && errno == EINTR { continue }
            return result
        }
    }
}

extension TracingError {
    /// Turns EPERM/EACCES into `.permissionDenied` whatever kind the caller guessed.
    var permissionAware: TracingError {
        code == EPERM || code == EACCES ? TracingError(.permissionDenied, subject, code: code) : self
    }
}
