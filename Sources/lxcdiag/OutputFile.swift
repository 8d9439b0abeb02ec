import ArgumentParser
import Glibc

/// Checks a file an option will write (`--pcap`, `--svg`) before any work starts, so that a trace is not run
/// only to fail at the end on a folder that does not exist.
enum OutputFile {
    /// Throws a one-line usage error unless `path` names a file that can be created or replaced.
    static func validate(_ path: String, option: String) throws {
        guard !path.isEmpty else { throw ValidationError("\(option) needs a file name") }
        var status = stat()
        if stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFDIR {
            throw ValidationError("\(option) \(path) is a directory; name a file in it")
        }
        let folder = path.contains("/") ? String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)]) : "."
        let directory = folder.isEmpty ? "/" : folder
        guard stat(directory, &status) == 0, status.st_mode & S_IFMT == S_IFDIR else {
            throw ValidationError("\(option) \(path): directory \(directory) does not exist")
        }
        guard access(directory, W_OK) == 0 else {
            throw ValidationError("\(option) \(path): directory \(directory) is not writable")
        }
    }
}
