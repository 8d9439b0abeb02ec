import Foundation
internal import LinuxNet
package import PacketCodec

/// One interface as `ip -json address show` reports it: enough for `status` and the tests.
package struct InterfaceSnapshot: Sendable, Hashable, Decodable {
    package var name: String
    package var flags: [String]
    package var mtu: Int
    package var mac: MACAddress?
    /// The IPv4 addresses with their prefix lengths (`192.0.2.11/24`).
    package var addresses: [String]
    /// The master device (a bridge) when the interface is enslaved.
    package var master: String?

    /// Whether the interface is administratively up.
    package var isUp: Bool { flags.contains("UP") }
    package var isPromiscuous: Bool { flags.contains("PROMISC") }

    private enum CodingKeys: String, CodingKey {
        case name = "ifname"
        case flags, mtu, master
        case mac = "address"
        case addressInfo = "addr_info"
    }

    private struct AddressInfo: Decodable {
        var family: String?
        var local: String?
        var prefixlen: Int?
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        flags = try container.decodeIfPresent([String].self, forKey: .flags) ?? []
        mtu = try container.decodeIfPresent(Int.self, forKey: .mtu) ?? 0
        master = try container.decodeIfPresent(String.self, forKey: .master)
        mac = (try container.decodeIfPresent(String.self, forKey: .mac)).flatMap(MACAddress.init)
        let info = try container.decodeIfPresent([AddressInfo].self, forKey: .addressInfo) ?? []
        addresses = info.compactMap { entry in
            guard entry.family == "inet", let local = entry.local, let length = entry.prefixlen else { return nil }
            return "\(local)/\(length)"
        }
    }

    /// Parses the output of `ip -json address show`.
    package static func parse(_ json: String) throws -> [InterfaceSnapshot] {
        try JSONDecoder().decode([InterfaceSnapshot].self, from: Data(json.utf8))
    }
}

/// Reading interfaces and namespaces with `ip`, and changing them in batches.
enum IPTool {
    /// The named namespaces under /run/netns.
    static func namespaces() throws(CommandError) -> Set<String> {
        let output = try ExternalCommand.check(["ip", "netns", "list"])
        return Set(output.split(separator: "\n").compactMap { $0.split(separator: " ").first.map(String.init) })
    }

    /// Runs `lines` as one `ip -batch` inside the named namespace (one process instead of one per change).
    static func batch(_ lines: [String], in namespace: String) throws(CommandError) {
        try ExternalCommand.check(["ip", "-n", namespace, "-batch", "-"], input: lines.joined(separator: "\n") + "\n")
    }

    /// Runs `lines` as one `bridge -batch` inside the named namespace (VLAN membership of bridge ports).
    static func bridgeBatch(_ lines: [String], in namespace: String) throws(CommandError) {
        guard !lines.isEmpty else { return }
        try ExternalCommand.check(
            ["bridge", "-n", namespace, "-batch", "-"],
            input: lines.joined(separator: "\n") + "\n"
        )
    }

    /// The interfaces of a namespace: a named netns, or (with `pid`) the one a process lives in.
    static func interfaces(namespace: String? = nil, pid: Int32? = nil) throws -> [InterfaceSnapshot] {
        let command: [String]
        if let pid {
            command = ["nsenter", "--net=/proc/\(pid)/ns/net", "ip", "-json", "address", "show"]
        } else {
            command = ["ip", "-n", namespace ?? "", "-json", "address", "show"]
        }
        let output = try ExternalCommand.check(command)
        do {
            return try InterfaceSnapshot.parse(output)
        } catch {
            throw LabError.stepFailed(step: command.joined(separator: " "), reason: "unreadable JSON: \(error)")
        }
    }
}
