internal import CLinuxNet
import Glibc

/// A running system tool with pipes on its standard streams; owns the pipes and reaps the process.
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
            if exitedAt == nil, CLinuxNet_reap(pid, &status) == 1 { exitedAt = now }
            let open = readEnds.indices.filter { readEnds[$0] >= 0 }
            if let exitedAt, open.isEmpty || now - exitedAt > 200_000_000 { break }
            if now >= deadline {
                _ = CLinuxNet_kill(pid)
                while CLinuxNet_reap(pid, &status) == 0 { usleep(1_000) }
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
