import Foundation

/// Finds what an engine left running or mounted, for a teardown that must work after the engine's daemon was
/// killed (SIGKILL of `lab up` leaves its containers' shims and processes behind).
enum LabProcesses {
    /// Processes whose command line mentions `path` (a daemon, containerd, shims started with the lab's roots),
    /// whose root directory is under `rootUnder` (a container's processes), or whose network namespace has
    /// inode `netnsInode` (anything left in the lab's host namespace). Never this process.
    static func find(mentioning path: String, rootUnder: String, netnsInode: UInt64?) -> [Int32] {
        let own = getpid()
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> Int32? in
            guard let pid = Int32(entry), pid != own, pid > 1 else { return nil }
            if let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline"),
                String(decoding: data, as: UTF8.self).contains(path)
            {
                return pid
            }
            if let root = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(entry)/root"),
                root.hasPrefix(rootUnder + "/")
            {
                return pid
            }
            if let netnsInode, namespaceInode("/proc/\(entry)/ns/net") == netnsInode { return pid }
            return nil
        }
    }

    /// The inode of a namespace file, nil when it cannot be read.
    static func namespaceInode(_ path: String) -> UInt64? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return UInt64(info.st_ino)
    }

    /// Whether any process runs the program `name` (its command's first word ends in `/name` or is `name`).
    static func anyRunning(named name: String) -> Bool {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.contains { entry in
            guard Int32(entry) != nil, let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline"),
                let first = data.split(separator: 0).first
            else { return false }
            let program = String(decoding: first, as: UTF8.self)
            return program == name || program.hasSuffix("/\(name)")
        }
    }

    /// Unmounts, deepest first, everything mounted at or under `root` (overlays, namespace files, the data root's
    /// bind mount of itself).
    static func unmountAll(under root: String) {
        // Read to the end: procfs files report size 0, and a read by size gets nothing.
        let data = FileHandle(forReadingAtPath: "/proc/self/mountinfo").map { $0.readDataToEndOfFile() } ?? Data()
        let table = String(decoding: data, as: UTF8.self)
        let points = table.split(separator: "\n").compactMap { line -> String? in
            let fields = line.split(separator: " ")
            guard fields.count > 4 else { return nil }
            let point = String(fields[4])
            return point == root || point.hasPrefix(root + "/") ? point : nil
        }
        for point in points.sorted(by: { $0.count > $1.count }) { umount2(point, Int32(MNT_DETACH)) }
    }
}
