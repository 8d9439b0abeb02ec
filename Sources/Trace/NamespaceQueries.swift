internal import Foundation
package import LinuxNet
import Netlink
package import PacketCodec
import Topology

/// What the sender needs to know about its interface: its MAC, MTU and IPv4 addresses.
package struct InterfaceFacts: Sendable, Hashable {
    package var mac: MACAddress
    package var mtu: Int
    package var addresses: [IPv4Address]
    package var isUp: Bool

    package init(mac: MACAddress, mtu: Int, addresses: [IPv4Address], isUp: Bool) {
        self.mac = mac
        self.mtu = mtu
        self.addresses = addresses
        self.isUp = isUp
    }
}

/// How a trace reads kernel state inside a namespace. Two swappable functions: the default asks iproute2
/// (`ip -j`); an rtnetlink implementation can replace them without touching the engine.
package struct NamespaceQueries: Sendable {
    /// The facts of `interface` in `namespace`.
    package var interfaceFacts: @Sendable (NetworkNamespace, String) throws -> InterfaceFacts
    /// The neighbour entry for `ip` on `interface` in `namespace`, or nil when there is none.
    package var neighbour: @Sendable (NetworkNamespace, String, IPv4Address) throws -> CachedNeighbour?

    package init(
        interfaceFacts: @escaping @Sendable (NetworkNamespace, String) throws -> InterfaceFacts,
        neighbour: @escaping @Sendable (NetworkNamespace, String, IPv4Address) throws -> CachedNeighbour?
    ) {
        self.interfaceFacts = interfaceFacts
        self.neighbour = neighbour
    }

    /// Interface facts from ioctls, the neighbour entry from an rtnetlink neighbour dump, both made by a thread
    /// inside the namespace: microseconds, where starting `ip` costs tens of milliseconds.
    package static let system = NamespaceQueries(
        interfaceFacts: { namespace, interface in
            let snapshot = try withNetworkNamespace(namespace) { try InterfaceSnapshot.read(interface) }
            return InterfaceFacts(
                mac: MACAddress(snapshot.hardwareAddress),
                mtu: snapshot.mtu,
                addresses: snapshot.ipv4Addresses.map(IPv4Address.init),
                isUp: snapshot.isUp
            )
        },
        neighbour: { namespace, interface, ip in
            try withNetworkNamespace(namespace) {
                guard let index = InterfaceName.index(of: interface) else {
                    throw TraceError(.interfaceGone, "no interface \(interface) in \(namespace)")
                }
                let messages = try NetlinkSocket().dump(.neighbours).neighbours()
                return NeighbourDump.entry(in: messages, ip: ip, index: index, interface: interface)
            }
        }
    )

    /// Queries through `ip -j`, run inside the namespace with `nsenter`.
    package static let iproute2 = NamespaceQueries(
        interfaceFacts: { namespace, interface in
            let output = try ExternalCommand.check(
                inside(namespace, ["ip", "-j", "addr", "show", "dev", interface]),
                timeoutSeconds: 5
            )
            return try IPRouteJSON.interfaceFacts(output, interface: interface)
        },
        neighbour: { namespace, interface, ip in
            let output = try ExternalCommand.check(
                inside(namespace, ["ip", "-j", "neigh", "show", "to", "\(ip)", "dev", interface]),
                timeoutSeconds: 5
            )
            return try IPRouteJSON.neighbour(output, ip: ip, interface: interface)
        }
    )

    static func inside(_ namespace: NetworkNamespace, _ command: [String]) -> [String] {
        guard let path = namespace.filePath else { return command }
        return ["nsenter", "--net=\(path)"] + command
    }
}

/// Parses iproute2's `-j` output.
enum IPRouteJSON {
    static func interfaceFacts(_ text: String, interface: String) throws(TraceError) -> InterfaceFacts {
        guard let links = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]],
            let link = links.first, let macText = link["address"] as? String, let mac = MACAddress(macText),
            let mtu = link["mtu"] as? Int
        else { throw TraceError(.unreadableState, "cannot read the address and MTU of \(interface) from `ip -j addr`") }
        let addresses = (link["addr_info"] as? [[String: Any]] ?? []).compactMap { info -> IPv4Address? in
            guard info["family"] as? String == "inet", let local = info["local"] as? String else { return nil }
            return IPv4Address(local)
        }
        let flags = link["flags"] as? [String] ?? []
        return InterfaceFacts(mac: mac, mtu: mtu, addresses: addresses, isUp: flags.contains("UP"))
    }

    static func neighbour(_ text: String, ip: IPv4Address, interface: String) throws(TraceError) -> CachedNeighbour? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { return nil }
        guard let entries = try? JSONSerialization.jsonObject(with: Data(trimmed.utf8)) as? [[String: Any]] else {
            throw TraceError(.unreadableState, "cannot read the neighbour table of \(interface) from `ip -j neigh`")
        }
        guard let entry = entries.first(where: { ($0["dst"] as? String).flatMap(IPv4Address.init) == ip }) else {
            return nil
        }
        return CachedNeighbour(
            ip: ip,
            interface: interface,
            mac: (entry["lladdr"] as? String).flatMap(MACAddress.init),
            states: entry["state"] as? [String] ?? []
        )
    }
}

/// Finds the target's entry in an rtnetlink neighbour dump.
enum NeighbourDump {
    static func entry(
        in messages: [NeighbourMessage],
        ip: IPv4Address,
        index: Int32,
        interface: String
    )
        -> CachedNeighbour?
    {
        guard let message = messages.first(where: { $0.index == index && $0.destination == ip.bytes }) else {
            return nil
        }
        return CachedNeighbour(
            ip: ip,
            interface: interface,
            mac: message.linkAddress.flatMap { $0.count == 6 ? MACAddress($0) : nil },
            states: [NUDState(kernelValue: message.state).rawValue.uppercased()]
        )
    }
}
