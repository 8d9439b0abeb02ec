import Foundation

/// What lxcdiag needs to know about one process to find container inits.
struct ProcessRecord: Sendable, Hashable {
    var pid: Int32
    var parentPid: Int32
    /// The command line, arguments joined with spaces.
    var commandLine: String
    /// The cgroup paths from /proc/PID/cgroup.
    var cgroups: [String]
    /// The pid inside the innermost pid namespace (last NSpid field); 1 for a container's init.
    var innermostPid: Int32?
}

/// Reads /proc for processes. /proc shows every process of lxcdiag's pid namespace, whichever network namespace
/// it is in, which is why containers started from another network namespace are found here.
enum ProcessTable {
    static func scan(procRoot: String = "/proc") -> [ProcessRecord] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: procRoot)) ?? []
        return names.compactMap { Int32($0) }.sorted().compactMap { read(pid: $0, procRoot: procRoot) }
    }

    static func read(pid: Int32, procRoot: String = "/proc") -> ProcessRecord? {
        let directory = "\(procRoot)/\(pid)"
        // A process can exit between the listing and the read; it is then simply not there.
        guard let stat = text("\(directory)/stat") else { return nil }
        // The command name in parentheses may hold spaces; fields continue after the last ')'.
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 1, let parent = Int32(fields[1]) else { return nil }
        let commandLine = (text("\(directory)/cmdline") ?? "")
            .split(separator: "\0").joined(separator: " ")
        let cgroups = (text("\(directory)/cgroup") ?? "").split(separator: "\n").compactMap { line in
            line.split(separator: ":", maxSplits: 2).last.map(String.init)
        }
        let nspid = (text("\(directory)/status") ?? "").split(separator: "\n")
            .first { $0.hasPrefix("NSpid:") }?
            .split(whereSeparator: { $0 == " " || $0 == "\t" }).last.flatMap { Int32($0) }
        return ProcessRecord(
            pid: pid,
            parentPid: parent,
            commandLine: commandLine,
            cgroups: cgroups,
            innermostPid: nspid
        )
    }

    private static func text(_ path: String) -> String? {
        FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
    }
}
