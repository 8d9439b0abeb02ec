import Foundation

/// The capabilities a process holds, read from `/proc/self/status`: lxcdiag needs capabilities, not uid 0.
package struct Capabilities: Sendable, Hashable {
    /// The effective set, bit N for capability N (`CapEff` in /proc/PID/status).
    package var effective: UInt64

    package init(effective: UInt64) { self.effective = effective }

    /// CAP_NET_ADMIN: netlink changes, bridge and tracefs settings in namespaces.
    package static let netAdmin = 12
    /// CAP_NET_RAW: AF_PACKET sockets for probes and captures.
    package static let netRaw = 13
    /// CAP_SYS_ADMIN: setns into other network namespaces, tracefs.
    package static let sysAdmin = 21
    /// CAP_SYS_PTRACE: opening the namespace of a process another user owns (a container's init).
    package static let sysPtrace = 19

    /// What every probing command needs.
    package static let required = [netAdmin, netRaw, sysAdmin]

    /// The names `capabilities(7)` uses.
    package static func name(_ capability: Int) -> String {
        switch capability {
        case netAdmin: "CAP_NET_ADMIN"
        case netRaw: "CAP_NET_RAW"
        case sysAdmin: "CAP_SYS_ADMIN"
        case sysPtrace: "CAP_SYS_PTRACE"
        default: "CAP_\(capability)"
        }
    }

    package func holds(_ capability: Int) -> Bool { effective & (1 << UInt64(capability)) != 0 }

    /// The required capabilities this set lacks.
    package var missing: [Int] { Self.required.filter { !holds($0) } }

    /// Parses the `CapEff:` line of a /proc/PID/status text; nil when there is none.
    package static func parse(status text: String) -> Capabilities? {
        for line in text.split(separator: "\n") where line.hasPrefix("CapEff:") {
            let hex = line.dropFirst("CapEff:".count).trimmingCharacters(in: .whitespaces)
            return UInt64(hex, radix: 16).map(Capabilities.init(effective:))
        }
        return nil
    }

    /// This process's capabilities (none when /proc cannot be read).
    package static var current: Capabilities {
        let text = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        return parse(status: text) ?? Capabilities(effective: 0)
    }
}
