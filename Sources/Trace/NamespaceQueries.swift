import Foundation
public import LinuxNet
public import PacketCodec

/// What the sender needs to know about its interface: its MAC, MTU and IPv4 addresses.
public struct InterfaceFacts: Sendable, Hashable {
    public var mac: MACAddress
    public var mtu: Int
    public var addresses: [IPv4Address]
    public var isUp: Bool

    public init(mac: MACAddress, mtu: Int, addresses: [IPv4Address], isUp: Bool) {
        self.mac = mac
        self.mtu = mtu
        self.addresses = addresses
        self.isUp = isUp
    }
}

/// How a trace reads kernel state inside a namespace. Two swappable functions: the default asks iproute2
/// (`ip -j`); an rtnetlink implementation can replace them without touching the engine.
public struct NamespaceQueries: Sendable {
    /// The facts of `interface` in `namespace`.
    public var interfaceFacts: @Sendable (NetworkNamespace, String) throws -> InterfaceFacts
    /// The neighbour entry for `ip` on `interface` in `namespace`, or nil when there is none.
    public var neighbour: @Sendable (NetworkNamespace, String, IPv4Address) throws -> NeighbourEntry?

    public init(
        interfaceFacts: @escaping @Sendable (NetworkNamespace, String) throws -> InterfaceFacts,
        neighbour: @escaping @Sendable (NetworkNamespace, String, IPv4Address) throws -> NeighbourEntry?
    ) {
        self.interfaceFacts = interfaceFacts
        self.neighbour = neighbour
    }

    /// Interface facts from ioctls inside the namespace; the neighbour entry from the ARP table as the
    /// namespace's own /proc shows it (`/proc/thread-self/net/arp`, read by a thread inside it), which takes
    /// microseconds where starting `ip` takes tens of milliseconds. An rtnetlink reader can replace both.
    public static let system = NamespaceQueries(
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
            let table = try withNetworkNamespace(namespace) {
                try String(contentsOfFile: "/proc/thread-self/net/arp", encoding: .utf8)
            }
            return ProcARPTable.entry(in: table, ip: ip, interface: interface)
        }
    )

    /// Queries through `ip -j`, run inside the namespace with `nsenter`.
    public static let iproute2 = NamespaceQueries(
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

    static func neighbour(_ text: String, ip: IPv4Address, interface: String) throws(TraceError) -> NeighbourEntry? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { return nil }
        guard let entries = try? JSONSerialization.jsonObject(with: Data(trimmed.utf8)) as? [[String: Any]] else {
            throw TraceError(.unreadableState, "cannot read the neighbour table of \(interface) from `ip -j neigh`")
        }
        guard let entry = entries.first(where: { ($0["dst"] as? String).flatMap(IPv4Address.init) == ip }) else {
            return nil
        }
        return NeighbourEntry(
            ip: ip,
            interface: interface,
            mac: (entry["lladdr"] as? String).flatMap(MACAddress.init),
            states: entry["state"] as? [String] ?? []
        )
    }
}

/// Parses the kernel's ARP table as /proc/net/arp prints it:
/// `IP address  HW type  Flags  HW address  Mask  Device`, flags 0x2 complete, 0x4 permanent.
enum ProcARPTable {
    static func entry(in table: String, ip: IPv4Address, interface: String) -> NeighbourEntry? {
        for line in table.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 6, IPv4Address(String(fields[0])) == ip, fields[5] == interface,
                let flags = Int(fields[2].dropFirst(2), radix: 16)
            else { continue }
            let complete = flags & 0x2 != 0
            let states = flags & 0x4 != 0 ? ["PERMANENT"] : complete ? ["REACHABLE"] : ["INCOMPLETE"]
            return NeighbourEntry(
                ip: ip,
                interface: interface,
                mac: complete ? MACAddress(String(fields[3])) : nil,
                states: states
            )
        }
        return nil
    }
}
