import Foundation
import LinuxNet

/// Two namespaces joined by a veth pair, made for one test and removed when it ends (also on failure).
package final class VethPairLab {
    package let left: String
    package let right: String

    /// Creates `lxcdiag-t<random>-a` and `-b`, with `va` in a and `vb` in b, both up, addressed 192.0.2.1/.2.
    package init() throws {
        let tag = String(UInt32.random(in: 0..<UInt32.max), radix: 36)
        left = "lxcdiag-t\(tag)-a"
        right = "lxcdiag-t\(tag)-b"
        do {
            try ExternalCommand.check(["ip", "netns", "add", left])
            try ExternalCommand.check(["ip", "netns", "add", right])
            try ExternalCommand.check([
                "ip", "-n", left, "link", "add", "va", "type", "veth", "peer", "name", "vb", "netns", right,
            ])
            try ExternalCommand.check(["ip", "-n", left, "addr", "add", "192.0.2.1/24", "dev", "va"])
            try ExternalCommand.check(["ip", "-n", right, "addr", "add", "192.0.2.2/24", "dev", "vb"])
            for (ns, dev) in [(left, "va"), (right, "vb"), (left, "lo"), (right, "lo")] {
                try ExternalCommand.check(["ip", "-n", ns, "link", "set", dev, "up"])
            }
            // A veth reports carrier a moment after it is set up; wait (at most 2 s) so a reader sees it up.
            for _ in 0..<100 {
                let links = try [(left, "va"), (right, "vb")].map { ns, dev in
                    try ExternalCommand.check(["ip", "-n", ns, "link", "show", "dev", dev])
                }
                if links.allSatisfy({ $0.contains("LOWER_UP") }) { break }
                usleep(20_000)
            }
        } catch {
            tearDown()
            throw error
        }
    }

    package func tearDown() {
        _ = try? ExternalCommand.run(["ip", "netns", "del", left])
        _ = try? ExternalCommand.run(["ip", "netns", "del", right])
    }

    deinit { tearDown() }
}
