import Foundation
import LinuxNet

/// A busybox LXC container started from inside its own namespace `lxcdiag-t<random>-h` (holding bridge br0), so
/// `lxc-info` in the test's namespace cannot see it. Stopped, destroyed and removed in `tearDown`.
final class TestContainer {
    let name: String
    let hostNamespace: String
    /// The host-side veth name (`lxc.net.0.veth.pair`).
    let vethPair: String

    init(extraConfig: String = "") throws {
        let tag = String(UInt32.random(in: 0..<UInt32.max), radix: 36)
        name = "lxcdiag-t\(tag)"
        hostNamespace = "lxcdiag-t\(tag)-h"
        vethPair = "v\(tag)"
        do {
            try ExternalCommand.check(["ip", "netns", "add", hostNamespace])
            try ExternalCommand.check(["ip", "-n", hostNamespace, "link", "add", "br0", "type", "bridge"])
            try ExternalCommand.check(["ip", "-n", hostNamespace, "link", "set", "br0", "up"])
            try ExternalCommand.check(["lxc-create", "-n", name, "-t", "busybox"])
            let path = "/var/lib/lxc/\(name)/config"
            var config = try String(contentsOfFile: path, encoding: .utf8)
            config = config.replacingOccurrences(of: "lxc.net.0.link = lxcbr0", with: "lxc.net.0.link = br0")
            config = config.replacingOccurrences(
                of: "lxc.apparmor.profile = generated",
                with: "lxc.apparmor.profile = unconfined"
            )
            config += "\nlxc.net.0.name = eth0\nlxc.net.0.veth.pair = v\(tag)\n" + extraConfig
            try config.write(toFile: path, atomically: true, encoding: .utf8)
            // The busybox template runs udhcpc at boot, which wipes the static address the config declares.
            let rcS = "/var/lib/lxc/\(name)/rootfs/etc/init.d/rcS"
            let boot = try String(contentsOfFile: rcS, encoding: .utf8)
            try boot.replacingOccurrences(of: "/bin/udhcpc", with: "").write(
                toFile: rcS,
                atomically: true,
                encoding: .utf8
            )
            try ExternalCommand.check(["ip", "netns", "exec", hostNamespace, "lxc-start", "-n", name])
        } catch {
            tearDown()
            throw error
        }
    }

    /// The init pid as `lxc-info` reports it from the namespace that started the container.
    func initPidFromLXC() throws -> Int32? {
        let output = try ExternalCommand.check(["ip", "netns", "exec", hostNamespace, "lxc-info", "-n", name, "-pH"])
        return Int32(output.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    func tearDown() {
        _ = try? ExternalCommand.run(["ip", "netns", "exec", hostNamespace, "lxc-stop", "-n", name, "-k"])
        _ = try? ExternalCommand.run(["lxc-destroy", "-n", name, "-f"])
        _ = try? ExternalCommand.run(["ip", "netns", "del", hostNamespace])
    }

    deinit { tearDown() }
}
