import ArgumentParser
import Foundation

/// Parses and runs the command line with lxcdiag's exit codes: ArgumentParser reports usage errors as 64
/// (EX_USAGE); the documented table says 2.
func runCommandLine() -> Never {
    do {
        var command = try LXCDiag.parseAsRoot()
        try command.run()
        LXCDiag.exit()
    } catch {
        let code = LXCDiag.exitCode(for: error)
        if code == .validationFailure {
            FileHandle.standardError.write(Data((LXCDiag.fullMessage(for: error) + "\n").utf8))
            Glibc.exit(ExitStatus.usage.rawValue)
        }
        LXCDiag.exit(withError: error)
    }
}
