import Foundation
import LinuxNet

/// An empty namespace `lxcdiag-t<random>-<suffix>` made for one test and removed in `tearDown` (also on failure).
final class ScratchNamespace {
    let name: String

    init(_ suffix: String) throws {
        name = "lxcdiag-t\(String(UInt32.random(in: 0..<UInt32.max), radix: 36))-\(suffix)"
        try ExternalCommand.check(["ip", "netns", "add", name])
    }

    /// Runs a command inside the namespace (`ip netns exec NAME ...`).
    func run(_ arguments: [String]) throws {
        try ExternalCommand.check(["ip", "netns", "exec", name] + arguments)
    }

    func tearDown() { _ = try? ExternalCommand.run(["ip", "netns", "del", name]) }

    deinit { tearDown() }
}
