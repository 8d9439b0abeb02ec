import Foundation
import Glibc

/// What runs from or is mounted under an engine lab's folder (`/run/lxcdiag/labs/NAME.ENGINE`): processes whose
/// command line names it (a daemon, containerd, shims, conmon) or whose root is under it (a container's
/// processes run on an overlay there), and mounts under it. Empty once `lab down` removed the engine.
package func engineFolderLeftovers(_ folder: String) -> [String] {
    var left: [String] = []
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    for entry in entries where Int32(entry) != nil && Int32(entry) != getpid() {
        let command = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline").map {
            String(decoding: $0, as: UTF8.self).replacingOccurrences(of: "\0", with: " ")
        }
        let root = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(entry)/root")
        if command?.contains(folder) == true || root?.hasPrefix(folder + "/") == true {
            left.append("process \(entry) \(command ?? "")")
        }
    }
    // Read to the end: procfs files report size 0, and a read by size gets nothing.
    let mounts = String(
        decoding: FileHandle(forReadingAtPath: "/proc/self/mountinfo")?.readDataToEndOfFile() ?? Data(),
        as: UTF8.self
    )
    left += mounts.split(separator: "\n").compactMap { line in
        let point = line.split(separator: " ").dropFirst(4).first.map(String.init) ?? ""
        return point.hasPrefix(folder) ? "mount \(point)" : nil
    }
    return left
}
