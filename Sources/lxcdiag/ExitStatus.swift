import ARPSuite
import ArgumentParser
import Containers
import Foundation
import Investigation
import KernelDrops
import KernelSettings
import Lab
import LabFaults
import LinuxNet
import Netlink
import NetworkModel
import PacketCapture
import Trace

/// The documented exit codes. Only the CLI maps errors to them.
enum ExitStatus: Int32 {
    /// Everything checked out.
    case ok = 0
    /// The check failed: unreachable, a conflict found, an error-level finding.
    case checkFailed = 1
    /// The command line was wrong.
    case usage = 2
    /// The environment is not fit: not root, libpcap or LXC missing, a name already taken, a namespace gone.
    case environment = 3
}

/// An error the CLI reports as one line with an exit code; modules' own errors are mapped in `report`.
struct CommandFailure: Error, CustomStringConvertible {
    var message: String
    var status: ExitStatus
    var description: String { message }
}

extension ParsableCommand {
    /// Runs `body`, turning every error a user can cause into one `lxcdiag: …` line and its exit code.
    func reportingErrors(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as ExitCode {
            throw error
        } catch let error as ValidationError {
            throw error
        } catch {
            let (message, status) = describe(error)
            reportError("lxcdiag: \(message)", status: status.rawValue)
            throw ExitCode(status.rawValue)
        }
    }
}

/// The one-line message and exit status for an error from any module.
func describe(_ error: any Error) -> (String, ExitStatus) {
    switch error {
    case let failure as CommandFailure:
        return (failure.message, failure.status)
    case let error as NamespaceError:
        return ("\(error)", .environment)
    case let error as PcapError:
        return ("\(error)", .environment)
    case let error as SystemError:
        let hint = error.isPermissionDenied ? " (run as root, or grant CAP_NET_ADMIN and CAP_NET_RAW)" : ""
        return ("\(error)\(hint)", .environment)
    case let error as CommandError:
        return ("\(error)", .environment)
    case let error as NetlinkError:
        return ("\(error)", .environment)
    case let error as EndpointFileError:
        return ("\(error)", .usage)
    case let error as EndpointError:
        return ("\(error)", error.isUsageError ? .usage : .environment)
    case let error as KernelSettingsError:
        return ("\(error)", .environment)
    case let error as LabError:
        return ("\(error)", .environment)
    case let error as LabFaultError:
        return ("\(error)", .environment)
    case let error as TracingError:
        return ("\(error)", .environment)
    case let error as TraceError:
        return ("\(error)", error.kind == .badPlan ? .usage : .environment)
    case let error as InvestigationError:
        return ("\(error)", error.kind == .usage ? .usage : .environment)
    case let error as ARPError:
        return ("\(error)", error.kind == .usage ? .usage : .environment)
    default:
        return ("\(error)", .environment)
    }
}

/// Fails with exit 3 unless lxcdiag holds CAP_NET_ADMIN, CAP_NET_RAW and CAP_SYS_ADMIN (root has them; so does a
/// user given them, e.g. with `setpriv --ambient-caps` or file capabilities). It creates sockets and enters
/// namespaces; what it needs is capabilities, not uid 0.
func requireRoot(_ what: String) throws {
    let missing = Capabilities.current.missing
    guard missing.isEmpty else {
        let names = missing.map(Capabilities.name).joined(separator: ", ")
        throw CommandFailure(
            message: "\(what) needs root or the capabilities \(names); run it with sudo",
            status: .environment
        )
    }
}
