import Glibc

/// A private tracefs instance (`instances/NAME`): its own ring buffer, clock and event switches, so lxcdiag
/// never touches the global buffer other tools use. Removing the directory disables its events and frees
/// the buffer; the kernel refuses while a file in it is open.
struct TraceInstance: Sendable, Hashable {
    let fileSystem: TraceFileSystem
    let name: String

    var path: String { "\(fileSystem.instancesDirectory)/\(name)" }

    /// Makes the instance directory; the kernel fills it with control files at once.
    func create() throws(TracingError) {
        guard TracefsFiles.exists(fileSystem.instancesDirectory) else {
            throw TracingError(.failed, "\(fileSystem.instancesDirectory) is missing (kernel without instances)")
        }
        try TracefsFiles.makeDirectory(path)
    }

    /// Writes a control file of this instance, such as `trace_clock`.
    func set(_ file: String, to value: String) throws(TracingError) {
        try TracefsFiles.write(value, to: "\(path)/\(file)")
    }

    /// Sets `filter` (tracefs filter syntax, or nil for none) on tracepoint `system/event`, then enables it.
    func enable(_ event: String, filter: String?) throws(TracingError) {
        guard fileSystem.hasEvent(event) else { throw TracingError(.noSuchEvent, "events/\(event)") }
        if let filter { try set("events/\(event)/filter", to: filter) }
        try set("events/\(event)/enable", to: "1")
    }

    /// Removes the instance, retrying briefly while a reader still has one of its files open.
    func remove() throws(TracingError) {
        var attempts = 0
        while true {
            do {
                try TracefsFiles.removeDirectory(path)
                return
            } catch let error where error.code == ENOENT {
                return
            } catch let error where error.code == EBUSY && attempts < 20 {
                attempts += 1
                usleep(5_000)
            }
        }
    }

    /// The prefix of every instance lxcdiag makes: `lxcdiag-PID-RANDOM`.
    static let namePrefix = "lxcdiag-"

    /// A fresh instance name for process `pid`.
    static func freshName(pid: Int32) -> String {
        "\(namePrefix)\(pid)-\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
    }

    /// The pid in a name lxcdiag made (`lxcdiag-1234-9f3a`), or nil for any other instance.
    static func ownerPid(ofName name: String) -> Int32? {
        guard name.hasPrefix(namePrefix) else { return nil }
        let parts = name.dropFirst(namePrefix.count).split(separator: "-")
        guard parts.count == 2, parts[1].allSatisfy(\.isHexDigit), let pid = Int32(parts[0]), pid > 0 else {
            return nil
        }
        return pid
    }
}
