import ArgumentParser
import Foundation

/// Checks a file an option will write (`--pcap`, `--svg`) before any work starts, so that a trace is not run
/// only to fail at the end on a folder that does not exist.
enum OutputFile {
    /// Throws a one-line usage error unless `path` names a file that can be created or replaced.
    static func validate(_ path: String, option: String) throws {
        guard !path.isEmpty else { throw ValidationError("\(option) needs a file name") }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw ValidationError("\(option) \(path) is a directory; name a file in it")
        }
        let folder = path.contains("/") ? String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)]) : "."
        let directory = folder.isEmpty ? "/" : folder
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue
        else {
            throw ValidationError("\(option) \(path): directory \(directory) does not exist")
        }
        guard FileManager.default.isWritableFile(atPath: directory) else {
            throw ValidationError("\(option) \(path): directory \(directory) is not writable")
        }
    }
}
