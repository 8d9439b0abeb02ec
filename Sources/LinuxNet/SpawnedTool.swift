internal import CLinuxNet
import Foundation
import Glibc

/// A running system tool with pipes on its standard streams; owns the pipes and reaps the process.
///
/// `pid` is the tool's guardian (see `CLinuxNet_spawn`): it leads a process group holding the tool and what the
/// tool starts, and kills that group when lxcdiag ends, so no tool outlives a killed lxcdiag.
final class SpawnedTool {
    private let pid: pid_t
    private var readEnds: [Int32]
    private let arguments: [String]

    /// Starts `path`; `input`, when given, is written to its standard input from a thread of its own.
    init(path: String, arguments: [String], input: String?) throws(SystemError) {
        self.arguments = arguments
        let stdout = try Self.pipe()
        let stderr: (read: Int32, write: Int32)
        let stdin: (read: Int32, write: Int32)
        do {
            stderr = try Self.pipe()
        } catch {
            Syscall.close(stdout.read)
            Syscall.close(stdout.write)
            throw error
        }
        do {
            stdin = try Self.pipe()
        } catch {
            for fd in [stdout.read, stdout.write, stderr.read, stderr.write] { Syscall.close(fd) }
            throw error
        }
        var childPid: pid_t = 0
        let result = Self.withCStrings(arguments) { argv in
            CLinuxNet_spawn(path, argv, stdin.read, stdout.write, stderr.write, &childPid)
        }
        for fd in [stdin.read, stdout.write, stderr.write] { Syscall.close(fd) }
        guard result == 0 else {
            for fd in [stdin.write, stdout.read, stderr.read] { Syscall.close(fd) }
            throw SystemError("start \(path)", code: result)
        }
        pid = childPid
        RunningTools.shared.add(childPid)
        readEnds = [stdout.read, stderr.read]
        let writer = stdin.write
        if let input, !input.isEmpty {
            let bytes = Array(input.utf8)
            DedicatedThread.start(name: "stdin \(arguments.first ?? "")") {
                var offset = 0
                while offset < bytes.count {
                    let written = bytes[offset...].withUnsafeBytes { write(writer, $0.baseAddress, $0.count) }
                    if written < 0 && errno == EINTR { continue }
                    if written <= 0 { break }
                    offset += written
                }
                Syscall.close(writer)
            }
        } else {
            Syscall.close(writer)
        }
    }

    deinit {
        for fd in readEnds where fd >= 0 { Syscall.close(fd) }
    }

    /// Reads both streams until the tool exits; nil (after killing and reaping it) when `deadline` passes first.
    func collect(until deadline: UInt64) -> CommandOutput? {
        var output: [[UInt8]] = [[], []]
        var status: Int32 = 0
        var exitedAt: UInt64?
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let now = monotonicNanoseconds()
            if exitedAt == nil, RunningTools.shared.reap(pid, &status) == 1 { exitedAt = now }
            let open = readEnds.indices.filter { readEnds[$0] >= 0 }
            if let exitedAt, open.isEmpty || now - exitedAt > 200_000_000 { break }
            if now >= deadline {
                _ = CLinuxNet_kill(pid)
                while RunningTools.shared.reap(pid, &status) == 0 { usleep(1_000) }
                return nil
            }
            if open.isEmpty {
                usleep(500)
                continue
            }
            var fds = open.map { readEnds[$0] }
            var ready = [Int32](repeating: 0, count: fds.count)
            _ = CLinuxNet_poll_readable(&fds, Int32(fds.count), 20, &ready)
            for (position, index) in open.enumerated() where ready[position] != 0 {
                let count = buffer.withUnsafeMutableBytes { read(readEnds[index], $0.baseAddress, $0.count) }
                if count > 0 {
                    output[index] += buffer[0..<count]
                } else if count == 0 || errno != EINTR {
                    Syscall.close(readEnds[index])
                    readEnds[index] = -1
                }
            }
        }
        return CommandOutput(
            status: CLinuxNet_exit_code(status),
            standardOutput: String(decoding: output[0], as: UTF8.self),
            standardError: String(decoding: output[1], as: UTF8.self)
        )
    }

    private static func pipe() throws(SystemError) -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        _ = try retryingOnInterrupt("pipe") {
            fds.withUnsafeMutableBufferPointer { CLinuxNet_pipe_blocking($0.baseAddress) }
        }
        return (fds[0], fds[1])
    }

    private static func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
        let pointers = strings.map { strdup($0) } + [nil]
        defer { for pointer in pointers { free(pointer) } }
        return body(pointers)
    }
}

/// The process groups of the tools running now, so that a termination signal reaches them as a Ctrl-C at the
/// terminal would (each tool has a group of its own, outside the terminal's foreground group).
/// Safe to share: `groups` is only touched while holding `lock`, and a group is removed in the same critical
/// section that reaps its leader, so a signal never goes to a reaped (and perhaps reused) pid.
final class RunningTools: @unchecked Sendable {
    static let shared = RunningTools()

    private let lock = NSLock()
    private var groups: Set<pid_t> = []

    func add(_ group: pid_t) {
        lock.withLock { _ = groups.insert(group) }
    }

    /// `CLinuxNet_reap`: 1 (and the raw wait status) when `pid` has ended, 0 while it runs, -1 on error; the
    /// group is forgotten unless it still runs.
    func reap(_ pid: pid_t, _ status: inout Int32) -> Int32 {
        lock.withLock {
            let result = CLinuxNet_reap(pid, &status)
            if result != 0 { groups.remove(pid) }
            return result
        }
    }

    /// Sends `signal` to every running tool's process group.
    func signalAll(_ signal: Int32) {
        lock.withLock {
            for group in groups { _ = CLinuxNet_kill_group(group, signal) }
        }
    }
}
