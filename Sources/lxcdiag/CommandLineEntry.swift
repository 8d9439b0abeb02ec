import ArgumentParser
import Foundation
import LinuxNet

/// Parses and runs the command line with lxcdiag's exit codes: ArgumentParser reports usage errors as 64
/// (EX_USAGE); the documented table says 2.
func runCommandLine() -> Never {
    do {
        var command = try LXCDiag.parseAsRoot(movingGlobalNamespace(Array(CommandLine.arguments.dropFirst())))
        try command.run()
        TerminationCleanup.shared.willExit()
        LXCDiag.exit()
    } catch {
        // A signal being handled decides the status (130 for SIGINT, 143 for SIGTERM), whatever the error.
        TerminationCleanup.shared.willExit()
        let code = LXCDiag.exitCode(for: error)
        if code == .validationFailure {
            FileHandle.standardError.write(Data((LXCDiag.fullMessage(for: error) + "\n").utf8))
            Glibc.exit(ExitStatus.usage.rawValue)
        }
        LXCDiag.exit(withError: error)
    }
}

/// `lxcdiag -n NS trace ...` as `ip -n NS link` reads: a leading `-n/--netns NAME` is handed to the subcommand
/// (each subcommand that works in a host namespace takes it among its own options).
func movingGlobalNamespace(_ arguments: [String]) -> [String] {
    guard let first = arguments.first else { return arguments }
    var rest: [String]
    var value: String
    if first == "-n" || first == "--netns", arguments.count >= 2 {
        value = arguments[1]
        rest = Array(arguments.dropFirst(2))
    } else if first.hasPrefix("--netns=") {
        value = String(first.dropFirst("--netns=".count))
        rest = Array(arguments.dropFirst())
    } else {
        return arguments
    }
    let end = rest.firstIndex(of: "--") ?? rest.endIndex
    rest.insert(contentsOf: ["--netns", value], at: end)
    return rest
}
