import ArgumentParser
import Foundation
import LinuxNet

/// Parses and runs the command line with lxcdiag's exit codes: ArgumentParser reports usage errors as 64
/// (EX_USAGE); the documented table says 2, and a usage error is one line naming the thing and the help to
/// read, as every other error is.
func runCommandLine() -> Never {
    let arguments = movingGlobalNamespace(Array(CommandLine.arguments.dropFirst()))
    do {
        var command = try LXCDiag.parseAsRoot(arguments)
        try command.run()
        TerminationCleanup.shared.willExit()
        LXCDiag.exit()
    } catch {
        // A signal being handled decides the status (130 for SIGINT, 143 for SIGTERM), whatever the error.
        TerminationCleanup.shared.willExit()
        let code = LXCDiag.exitCode(for: error)
        if code == .validationFailure {
            reportError(usageLine(for: error, arguments: arguments), status: ExitStatus.usage.rawValue)
            Glibc.exit(ExitStatus.usage.rawValue)
        }
        LXCDiag.exit(withError: error)
    }
}

/// `lxcdiag: MESSAGE (see 'lxcdiag trace --help')`: ArgumentParser's message on one line, without its usage block.
func usageLine(for error: any Error, arguments: [String]) -> String {
    var message = LXCDiag.message(for: error)
    if message.hasPrefix("Error: ") { message.removeFirst("Error: ".count) }
    let oneLine = message.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        .filter { !$0.isEmpty && !$0.hasPrefix("Usage:") && !$0.hasPrefix("See '") && !$0.hasPrefix("Help:") }
        .joined(separator: "; ")
    let path = (["lxcdiag"] + subcommandPath(arguments)).joined(separator: " ")
    return "lxcdiag: \(oneLine) (see '\(path) --help')"
}

/// The subcommand names at the front of `arguments` (`["lab", "up"]` for `lab up --name x`).
func subcommandPath(_ arguments: [String]) -> [String] {
    var path: [String] = []
    var level: [any ParsableCommand.Type] = LXCDiag.configuration.subcommands
    for argument in arguments {
        guard let next = level.first(where: { $0._commandName == argument }) else { break }
        path.append(argument)
        level = next.configuration.subcommands
    }
    return path
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
