import Foundation

/// The result of running a system tool such as `ip`, `nft` or `lxc-start`.
package struct CommandOutput: Sendable {
    package var status: Int32
    package var standardOutput: String
    package var standardError: String
}

/// A system tool that failed, ran too long, or is not installed.
package struct CommandError: Error, Sendable, CustomStringConvertible {
    package enum Kind: Sendable {
        case notInstalled
        case failed(Int32)
        case timedOut
    }
    package var command: [String]
    package var kind: Kind
    package var standardError: String

    package var description: String {
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
package enum ExternalCommand {
    static let searchPath = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]

    /// The absolute path of `tool`, or nil when it is not installed.
    package static func locate(_ tool: String) -> String? {
        if tool.hasPrefix("/") { return FileManager.default.isExecutableFile(atPath: tool) ? tool : nil }
        return searchPath.map { "\($0)/\(tool)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs `arguments` (tool first) and returns its output whatever its exit status.
    ///
    /// The tool starts with an empty signal mask (lxcdiag blocks the termination signals in its own threads),
    /// in a process group of its own under a guardian that kills the group when lxcdiag ends, also by SIGKILL
    /// (`CLinuxNet_spawn`): no tool, nor what it started, outlives lxcdiag. The group is killed when
    /// `timeoutSeconds` pass. Output is read until the tool exits; a daemon it leaves behind holding the pipes
    /// is not waited for.
    package static func run(
        _ arguments: [String],
        input: String? = nil,
        timeoutSeconds: Double = 30
    ) throws(CommandError) -> CommandOutput {
        guard let tool = arguments.first, let path = locate(tool) else {
            throw CommandError(command: arguments, kind: .notInstalled, standardError: "")
        }
        let spawned: SpawnedTool
        do {
            spawned = try SpawnedTool(path: path, arguments: arguments, input: input)
        } catch {
            throw CommandError(command: arguments, kind: .notInstalled, standardError: "\(error)")
        }
        let deadline = monotonicNanoseconds() &+ UInt64(max(0, timeoutSeconds) * 1e9)
        guard let result = spawned.collect(until: deadline) else {
            throw CommandError(command: arguments, kind: .timedOut, standardError: "")
        }
        return result
    }

    /// Runs `arguments` and throws unless the tool exits 0; returns its standard output.
    @discardableResult
    package static func check(
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
