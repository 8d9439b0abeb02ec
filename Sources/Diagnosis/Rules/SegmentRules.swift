import NetworkModel
import PacketCodec
internal import Topology
internal import Trace

/// Probe-free checks across one layer-2 segment: one address held twice, a neighbour entry or a forwarding
/// table entry that contradicts where a MAC really is.
enum SegmentRules {
    static func doctor(_ context: DiagnosisContext) -> [Finding] {
        var segments = SegmentMap(context.topology)
        let index = SegmentIndex(context.topology)
        return duplicateAddresses(context, &segments, index) + staleNeighbours(context, &segments, index)
            + wrongFDBPorts(context, index)
    }

    /// The holders of each address and the unenslaved veths of each MAC, across namespaces, in namespace order:
    /// read once, as a host with a thousand containers would otherwise scan every namespace per address.
    struct SegmentIndex {
        var holders: [IPv4Address: [(NamespaceSnapshot, Link)]] = [:]
        var vethsByMAC: [MACAddress: [(NamespaceSnapshot, Link)]] = [:]

        init(_ topology: HostTopology) {
            for snapshot in topology.namespaces {
                for held in snapshot.addresses {
                    if let link = snapshot.link(index: held.interface.index) {
                        holders[held.address, default: []].append((snapshot, link))
                    }
                }
                for link in snapshot.links where link.kind == .veth && link.master == nil {
                    if let mac = link.mac { vethsByMAC[mac, default: []].append((snapshot, link)) }
                }
            }
        }
    }

    /// Every interface holding `address`, across namespaces.
    private static func holders(of address: IPv4Address, _ index: SegmentIndex) -> [(NamespaceSnapshot, Link)] {
        index.holders[address] ?? []
    }

    /// One address on interfaces of two namespaces that share a segment: both answer ARP for it.
    private static func duplicateAddresses(
        _ context: DiagnosisContext,
        _ segments: inout SegmentMap,
        _ index: SegmentIndex
    ) -> [Finding] {
        var findings: [Finding] = []
        var reported: Set<IPv4Address> = []
        for snapshot in context.topology.namespaces {
            for held in snapshot.addresses where held.scope == "global" && !reported.contains(held.address) {
                guard let link = snapshot.link(index: held.interface.index) else { continue }
                let here = snapshot.reference(link)
                let others = holders(of: held.address, index).filter { other in
                    other.0.node.name != snapshot.node.name && segments.sameSegment(here, other.0.reference(other.1))
                }
                guard let other = others.first else { continue }
                reported.insert(held.address)
                let prefix =
                    other.0.addresses.first { $0.address == held.address && $0.interface.index == other.1.index }?
                    .prefixLength ?? held.prefixLength
                findings.append(
                    Finding(
                        .duplicateIP,
                        at: HopName(node: other.0.node.name, interface: other.1.name),
                        summary: "\(held.address) is held by \(here) and \(other.0.node.name):\(other.1.name) on one "
                            + "segment: both answer ARP for it",
                        evidence: [
                            "\(here) has \(held.address)/\(held.prefixLength)" + (link.mac.map { " (\($0))" } ?? ""),
                            "\(other.0.node.name):\(other.1.name) has \(held.address)/\(prefix)"
                                + (other.1.mac.map { " (\($0))" } ?? ""),
                        ],
                        fix: "Keep \(held.address) on one of them: "
                            + NodeCommand.tool(
                                "ip",
                                other.0.node,
                                "addr del \(held.address)/\(prefix) dev \(other.1.name)"
                            )
                    )
                )
            }
        }
        return findings
    }

    /// A neighbour entry whose MAC no interface holding that address on the same segment has.
    private static func staleNeighbours(
        _ context: DiagnosisContext,
        _ segments: inout SegmentMap,
        _ index: SegmentIndex
    ) -> [Finding] {
        var findings: [Finding] = []
        for snapshot in context.topology.namespaces {
            for entry in snapshot.neighbours {
                guard let mac = entry.mac, ![.failed, .incomplete, .noarp].contains(entry.state) else { continue }
                let owners = holders(of: entry.address, index).filter {
                    segments.sameSegment(entry.interface, $0.0.reference($0.1))
                }
                guard !owners.isEmpty, !owners.contains(where: { $0.1.mac == mac }) else { continue }
                let actual = owners.compactMap { owner in
                    owner.1.mac.map { "\(owner.0.node.name):\(owner.1.name) \($0)" }
                }
                let fix: String
                if entry.state == .permanent, owners.count == 1, let right = owners[0].1.mac {
                    fix = "neigh replace \(entry.address) lladdr \(right) dev \(entry.interface.name) nud permanent"
                } else {
                    fix = "neigh del \(entry.address) dev \(entry.interface.name)"
                }
                findings.append(
                    Finding(
                        .staleNeighbour,
                        severity: entry.state == .permanent ? .error : .warning,
                        at: HopName(node: snapshot.node.name, interface: entry.interface.name),
                        summary: "\(snapshot.node.name) sends \(entry.address) to \(mac), which no interface holding "
                            + "that address has",
                        evidence: ["neighbour entry \(entry.address) lladdr \(mac) \(entry.state.rawValue)"]
                            + actual.map { "\(entry.address) is on \($0)" },
                        fix: NodeCommand.tool("ip", snapshot.node, fix)
                    )
                )
            }
        }
        return findings
    }

    /// A forwarding-table entry that sends a MAC to a port other than the one its owner hangs off.
    private static func wrongFDBPorts(_ context: DiagnosisContext, _ index: SegmentIndex) -> [Finding] {
        var findings: [Finding] = []
        for snapshot in context.topology.namespaces {
            for entry in snapshot.fdb where entry.state != .permanent {
                guard let bridge = entry.bridge, let owner = attachment(of: entry.mac, to: bridge, context, index),
                    owner.port.name != entry.port.name
                else { continue }
                findings.append(
                    Finding(
                        .fdbWrongPort,
                        at: HopName(node: snapshot.node.name, interface: entry.port.name),
                        summary: "\(snapshot.node.name):\(bridge.name) sends \(entry.mac) to \(entry.port.name), but "
                            + "\(owner.link) hangs off \(owner.port.name)",
                        evidence: [
                            "fdb \(entry.mac) dev \(entry.port.name) master \(bridge.name) \(entry.state.rawValue)"
                                + (entry.flags.isEmpty ? "" : " \(entry.flags.joined(separator: " "))"),
                            "\(owner.link) has \(entry.mac), behind port \(owner.port.name)",
                        ],
                        fix: NodeCommand.deleteFDBEntry(entry, snapshot.node)
                    )
                )
            }
        }
        return findings
    }

    /// The port of `bridge` that `mac`'s owner is attached to directly (a veth whose peer is the port).
    private static func attachment(
        of mac: MACAddress,
        to bridge: LinkReference,
        _ context: DiagnosisContext,
        _ index: SegmentIndex
    )
        -> (link: LinkReference, port: LinkReference)?
    {
        for (snapshot, link) in index.vethsByMAC[mac] ?? [] {
            guard let peer = link.peer, let port = context.topology.link(peer), port.master == bridge else {
                continue
            }
            return (snapshot.reference(link), peer)
        }
        return nil
    }
}
