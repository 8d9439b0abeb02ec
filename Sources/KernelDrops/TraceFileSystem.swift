import Foundation
import Glibc
import LinuxNet

/// Where tracefs is mounted, found in /proc/self/mounts or mounted by lxcdiag itself.
package struct TraceFileSystem: Sendable, Hashable {
    /// The mount point, such as `/sys/kernel/tracing`.
    package let root: String

    /// The conventional mount point, used when tracefs is mounted nowhere.
    package static let defaultMountPoint = "/sys/kernel/tracing"

    /// A tracefs tree at `root`; tests point it at a directory of their own.
    package init(root: String) {
        self.root = root
    }

    /// The mounted tracefs, mounting it at `/sys/kernel/tracing` first if no tracefs is mounted.
    ///
    /// The mount is left in place afterwards, as systemd does at boot: other tracing tools expect it there.
    /// The corresponding C function is `mount`.
    package static func mounted(mountIfNeeded: Bool = true) throws(TracingError) -> TraceFileSystem {
        if let root = mountPoint(in: (try? TracefsFiles.read("/proc/self/mounts")) ?? "") {
            return TraceFileSystem(root: root)
        }
        guard mountIfNeeded else { throw TracingError(.notMounted, "tracefs is not mounted") }
        do { try FileSystem.mountPseudo("tracefs", at: defaultMountPoint) } catch {
            throw TracingError(
                error.isPermissionDenied ? .permissionDenied : .notMounted,
                "mount tracefs on \(defaultMountPoint)",
                code: error.code
            )
        }
        return TraceFileSystem(root: defaultMountPoint)
    }

    /// The first tracefs mount point in a mounts table (`/proc/self/mounts` format), preferring the
    /// conventional one.
    package static func mountPoint(in mounts: String) -> String? {
        let points = mounts.split(separator: "\n").compactMap { line -> String? in
            let fields = line.split(separator: " ")
            guard fields.count >= 3, fields[2] == "tracefs" else { return nil }
            // The kernel escapes spaces in paths as \040.
            return String(fields[1]).replacingOccurrences(of: "\\040", with: " ")
        }
        return points.first { $0 == defaultMountPoint } ?? points.first
    }

    /// The directory of tracing instances.
    var instancesDirectory: String { "\(root)/instances" }

    /// The `format` file of tracepoint `system/event`: its fields and how it prints them.
    func eventFormat(_ event: String) throws(TracingError) -> String {
        try TracefsFiles.read("\(root)/events/\(event)/format")
    }

    /// Whether the kernel has tracepoint `system/event`, such as `skb/kfree_skb`.
    func hasEvent(_ event: String) -> Bool {
        TracefsFiles.exists("\(root)/events/\(event)/format")
    }
}
