import Glibc
import LinuxNet

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

    /// Stops the instance recording: `tracing_on` off first (the ring buffer takes no more events at once),
    /// then every event off (the kernel no longer runs the filters on each packet). Best effort: an instance
    /// already gone, or half made, is fine.
    func quiesce() {
        try? set("tracing_on", to: "0")
        try? set("events/enable", to: "0")
    }

    /// Removes the instance, retrying with a growing pause while the kernel still reports it busy (a reader
    /// closing `trace_pipe`, events being switched off), for up to `budgetNs` in all.
    ///
    /// Succeeds when the instance is gone, also when it never existed; throws the last error otherwise.
    func remove(budgetNs: UInt64 = 2_000_000_000) throws(TracingError) {
        let deadline = monotonicNanoseconds() + budgetNs
        var pauseMicroseconds: UInt32 = 1_000
        while true {
            do {
                try TracefsFiles.removeDirectory(path)
                return
            } catch let error where error.code == ENOENT {
                return
            } catch let error where error.code == EBUSY && monotonicNanoseconds() < deadline {
                usleep(pauseMicroseconds)
                pauseMicroseconds = min(pauseMicroseconds * 2, 100_000)
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
