import Foundation

/// The result of running a system tool such as `ip`, `nft` or `lxc-start`.
public struct CommandOutput: Sendable {
    public var status: Int32
    public var standardOutput: String
    public var standardError: String
}

/// A system tool that failed, ran too long, or is not installed.
public struct CommandError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable {
        case notInstalled
        case failed(Int32)
        case timedOut
    }
    public var command: [String]
    public var kind: Kind
    public var standardError: String

    public var description: String {
        let line = command.joined(separator: " ")
        switch kind {
        case .notInstalled: return "\(command.first ?? "?") is not installed (needed for: \(line))"
        case .timedOut: return "`\(line)` did not finish in time"
        case .failed(let status):
            let reason = standardError.split(separator: "\n").first.map(String.init) ?? "exit status \(status)"
            return "`\(line)` failed: \(reason)"
        }
    }
}

/// Runs system tools with a time limit; the only place lxcdiag starts other programs.
public enum ExternalCommand {
    static let searchPath = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]

    /// The absolute path of `tool`, or nil when it is not installed.
    public static func locate(_ tool: String) -> String? {
        if tool.hasPrefix("/") { return FileManager.default.isExecutableFile(atPath: tool) ? tool : nil }
        return searchPath.map { "\($0)/\(tool)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs `arguments` (tool first) and returns its output whatever its exit status.
    public static func run(
        _ arguments: [String],
        input: String? = nil,
        timeoutSeconds: Double = 30
    ) throws(CommandError) -> CommandOutput {
        guard let tool = arguments.first, let path = locate(tool) else {
            throw CommandError(command: arguments, kind: .notInstalled, standardError: "")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = Array(arguments.dropFirst())
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        let stdin = Pipe()
        process.standardInput = input == nil ? FileHandle.nullDevice : stdin
        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        do { try process.run() } catch {
            throw CommandError(command: arguments, kind: .notInstalled, standardError: "\(error)")
        }
        if let input {
            stdin.fileHandleForWriting.write(Data(input.utf8))
            try? stdin.fileHandleForWriting.close()
        }
        // Read both pipes while the tool runs so a chatty tool never blocks on a full pipe.
        let outBox = OutputBox()
        let readers = DispatchGroup()
        for (handle, isError) in [(stdout.fileHandleForReading, false), (stderr.fileHandleForReading, true)] {
            readers.enter()
            DispatchQueue.global().async {
                let data = handle.readDataToEndOfFile()
                outBox.store(data, isError: isError)
                readers.leave()
            }
        }
        // Foundation keeps a Process that has a terminationHandler (and so its pipes) alive, so the read ends
        // are never closed on their own: close them once read, or every run leaks two descriptors (and past
        // ~1300 open descriptors Process.run itself crashes, swift-corelibs-foundation PR #5472).
        readers.notify(queue: .global()) {
            try? stdout.fileHandleForReading.close()
            try? stderr.fileHandleForReading.close()
            try? stdin.fileHandleForReading.close()
        }
        if finished.wait(timeout: .now() + timeoutSeconds) == .timedOut {
            process.terminate()
            _ = finished.wait(timeout: .now() + 2)
            throw CommandError(command: arguments, kind: .timedOut, standardError: "")
        }
        readers.wait()
        return CommandOutput(
            status: process.terminationStatus,
            standardOutput: outBox.output,
            standardError: outBox.error
        )
    }

    /// Runs `arguments` and throws unless the tool exits 0; returns its standard output.
    @discardableResult
    public static func check(
        _ arguments: [String],
        input: String? = nil,
        timeoutSeconds: Double = 30
    ) throws(CommandError) -> String {
        let output = try run(arguments, input: input, timeoutSeconds: timeoutSeconds)
        guard output.status == 0 else {
            throw CommandError(command: arguments, kind: .failed(output.status), standardError: output.standardError)
        }
        return output.standardOutput
    }
}

/// Collects a tool's output from the two reader threads.
/// Safe: every access holds `lock`.
private final class OutputBox: @unchecked Sendable {
    private let lock = NSLock()
    private var out = Data()
    private var err = Data()

    func store(_ data: Data, isError: Bool) {
        lock.withLock { if isError { err = data } else { out = data } }
    }

    var output: String { lock.withLock { String(decoding: out, as: UTF8.self) } }
    var error: String { lock.withLock { String(decoding: err, as: UTF8.self) } }
}
