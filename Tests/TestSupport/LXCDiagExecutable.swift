import Foundation

/// The `lxcdiag` executable SwiftPM builds next to the test bundle, run as a user would run it.
package enum LXCDiagExecutable {
    package static var path: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("lxcdiag")
            .path
    }

    /// Runs `lxcdiag arguments...` and returns its exit status and output.
    /// With `asNobody`, runs it through `setpriv` as uid/gid 65534 without capabilities; `environment` adds to
    /// (or replaces in) the test's own environment.
    package static func run(
        _ arguments: [String],
        environment: [String: String] = [:],
        asNobody: Bool = false
    ) throws -> (status: Int32, output: String, error: String) {
        let process = Process()
        if asNobody {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            process.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", path] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = arguments
        }
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let outData = output.fileHandleForReading.readDataToEndOfFile()
        let errData = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (
            process.terminationStatus, String(decoding: outData, as: UTF8.self),
            String(decoding: errData, as: UTF8.self)
        )
    }
}
