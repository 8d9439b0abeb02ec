internal import Containers
import Foundation
internal import KernelSettings
import NetworkModel
import PacketCodec
internal import Topology
internal import Trace

/// Checks that need no probe: duplicate MACs, ARP flux risk, interfaces and addresses a config declares that do not
/// exist.
enum HostRules {
    /// Interfaces across all namespaces (and MACs LXC configs declare) that share a MAC. Bridges, VLAN and ipvlan devices,
    /// which borrow a port's or parent's MAC by design, are left out.
    static func duplicateMACs(_ context: DiagnosisContext, involving nodes: Set<String>? = nil) -> [Finding] {
        var owners: [MACAddress: [String]] = [:]
        for snapshot in context.topology.namespaces {
            for link in snapshot.links where ![.loopback, .bridge, .vlan, .ipvlan].contains(link.kind) {
                guard let mac = link.mac, mac != .zero else { continue }
                owners[mac, default: []].append("\(snapshot.node.name):\(link.name)")
            }
        }
        var declared: [MACAddress: [String]] = [:]
        for container in context.containers {
            for network in container.declaredNetworks {
                if let mac = network.mac {
                    declared[mac, default: []].append("\(container.name) lxc.net.\(network.index)")
                }
            }
        }
        var findings: [Finding] = []
        for mac in Set(owners.keys).union(declared.keys).sorted() {
            let live = owners[mac] ?? []
            let configs = declared[mac] ?? []
            // A running container's own interface matches its own config: count each container once.
            let liveNodes = Set(live.map { String($0.split(separator: ":")[0]) })
            let configNodes = Set(configs.map { String($0.split(separator: " ")[0]) })
            guard live.count > 1 || liveNodes.union(configNodes).count > 1 || configs.count > 1 else { continue }
            if let nodes, liveNodes.isDisjoint(with: nodes) { continue }
            let first = live.first ?? configs[0]
            let parts = first.split(separator: ":").map(String.init)
            let location = parts.count == 2 ? HopName(node: parts[0], interface: parts[1]) : nil
            let fixTarget = live.count > 1 ? live[1] : (configs.count > 1 ? configs[1] : configs.first ?? first)
            findings.append(
                Finding(
                    .duplicateMAC,
                    at: location,
                    summary: "\(mac) is used by " + (live + configs).joined(separator: ", "),
                    evidence: live.map { "\($0) has \(mac)" } + configs.map { "\($0).hwaddr = \(mac)" },
                    fix: newMACFix(for: fixTarget, live: live.count > 1, context)
                )
            )
        }
        return findings
    }

    /// The command that gives `target` (`node:iface` when live, `container lxc.net.N` from a config) a MAC of its
    /// own: a locally administered one derived from its name, so the printed fix is the same on every run.
    static func newMACFix(for target: String, live: Bool, _ context: DiagnosisContext) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in target.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        let tail = (0..<5).map { String(format: "%02x", UInt8(truncatingIfNeeded: hash >> (8 * UInt64($0)))) }
        let mac = "02:" + tail.joined(separator: ":")
        guard live else {
            let parts = target.split(separator: " ").map(String.init)
            return "set \(parts.dropFirst().joined()).hwaddr = \(mac) in \(parts.first ?? target)'s LXC config"
        }
        let parts = target.split(separator: ":").map(String.init)
        let node = context.snapshot(parts[0])?.node
        return NodeCommand.tool("ip", node, "link set dev \(parts.count > 1 ? parts[1] : "eth0") address \(mac)")
    }

    /// Two or more up interfaces of one namespace in one subnet while they answer ARP for each other's
    /// addresses (arp_ignore 0, arp_filter 0): whichever answers first wins.
    static func arpFluxRisk(_ context: DiagnosisContext) -> [Finding] {
        var findings: [Finding] = []
        for snapshot in context.topology.namespaces {
            let node = snapshot.node.name
            let candidates = snapshot.addresses.filter { address in
                guard let link = snapshot.link(index: address.interface.index), link.isUp, link.kind != .loopback,
                    link.noARP != true
                else { return false }
                return address.scope == "global"
            }
            let bySubnet = Dictionary(grouping: candidates) { "\($0.network)" }
            for (subnet, addresses) in bySubnet.sorted(by: { $0.key < $1.key }) {
                let interfaces = Array(Set(addresses.map(\.interface.name))).sorted()
                guard interfaces.count > 1 else { continue }
                let loose = interfaces.filter { name in
                    guard let arp = context.sysctls(node, name)?.arp else { return false }
                    return arp.ignore.effective == 0 && arp.filter.effective == 0
                }
                guard loose.count > 1 else { continue }
                findings.append(
                    Finding(
                        .arpFlux,
                        at: HopName(node: node, interface: loose[0]),
                        summary: "\(node) has \(interfaces.joined(separator: " and ")) in \(subnet) with arp_ignore=0: "
                            + "each answers ARP for the other's address",
                        evidence: addresses.map { "\(node):\($0.interface.name) \($0.address)/\($0.prefixLength)" }
                            + loose.map { "\(node):\($0) arp_ignore effective 0, arp_filter effective 0" },
                        fix: NodeCommand.inside(
                            snapshot.node,
                            "sysctl -w net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2"
                        )
                    )
                )
            }
        }
        return findings
    }

    /// An interface of a namespace that hears another interface's segment and answers ARP for that
    /// interface's address: with arp_ignore=0 Linux answers for any local address on any interface, so a bridge
    /// (or any up interface) on the same wire as the one holding the address answers too, from its own MAC.
    static func sharedSegmentFlux(_ context: DiagnosisContext) -> [Finding] {
        var segments = SegmentMap(context.topology)
        var findings: [Finding] = []
        for snapshot in context.topology.namespaces {
            let node = snapshot.node.name
            let candidates = snapshot.links.filter {
                $0.isUp && $0.master == nil && $0.kind != .loopback && $0.noARP != true
            }
            for holder in candidates {
                let held = snapshot.addresses(onIndex: holder.index).filter { $0.scope == "global" }
                guard let address = held.first, answersForOthers(node, holder.name, context) else { continue }
                for other in candidates where other.index != holder.index {
                    guard
                        snapshot.addresses(onIndex: other.index).allSatisfy({ !$0.network.contains(address.address) }),
                        answersForOthers(node, other.name, context),
                        segments.sameSegment(snapshot.reference(other), snapshot.reference(holder))
                    else { continue }
                    findings.append(
                        Finding(
                            .arpFlux,
                            severity: .warning,
                            at: HopName(node: node, interface: other.name),
                            summary: "\(node):\(other.name) is on the same segment as \(holder.name) and answers ARP "
                                + "for \(holder.name)'s \(address.address) with its own MAC",
                            evidence: [
                                "\(node):\(holder.name) has \(address.address)/\(address.prefixLength)",
                                "\(node):\(other.name) and \(node):\(holder.name) are bridged onto one segment",
                                "arp_ignore effective 0 on both",
                            ],
                            fix: NodeCommand.inside(
                                snapshot.node,
                                "sysctl -w net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2"
                            )
                        )
                    )
                }
            }
        }
        return findings
    }

    /// Whether `interface` answers ARP for addresses held elsewhere in its namespace.
    private static func answersForOthers(_ node: String, _ interface: String, _ context: DiagnosisContext) -> Bool {
        guard let arp = context.sysctls(node, interface)?.arp else { return false }
        return arp.ignore.effective == 0 && arp.filter.effective == 0
    }

    /// Interfaces an LXC config declares that the running container (or the host side) does not have, and
    /// declared addresses that are not on the interface.
    static func declaredVersusReal(_ context: DiagnosisContext) -> [Finding] {
        var findings: [Finding] = []
        let host = context.topology.namespaces.first
        for container in context.containers where container.isRunning {
            guard let snapshot = context.snapshot(container.name) else { continue }
            for network in container.declaredNetworks where network.type != "none" && network.type != "empty" {
                let name = network.name ?? "eth\(network.index)"
                let key = "lxc.net.\(network.index)"
                guard let link = snapshot.link(named: name) else {
                    findings.append(
                        Finding(
                            .linkDown,
                            at: HopName(node: container.name, interface: name),
                            summary: "\(container.name) declares \(name) (\(key).type = \(network.type ?? "?")) "
                                + "and has no such interface",
                            evidence: ["\(key).name = \(name)"]
                                + [
                                    "interfaces in \(container.name): "
                                        + snapshot.links.map(\.name).joined(separator: ", ")
                                ],
                            fix: "lxc-stop -n \(container.name) && lxc-start -n \(container.name), and read the "
                                + "start log (lxc-start -l DEBUG -o /tmp/\(container.name).log)"
                        )
                    )
                    continue
                }
                if let hostSnapshot = host, let linked = network.link, hostSnapshot.link(named: linked) == nil,
                    hostSnapshot.node.name != container.name
                {
                    findings.append(
                        Finding(
                            .linkDown,
                            at: HopName(node: hostSnapshot.node.name, interface: linked),
                            summary: "\(container.name) declares \(key).link = \(linked), which "
                                + "\(hostSnapshot.node.name) does not have",
                            evidence: ["\(key).link = \(linked)", "no \(linked) in \(hostSnapshot.node.name)"],
                            fix: "Create \(linked) or point \(key).link at the bridge that exists"
                        )
                    )
                }
                let held = snapshot.addresses(onIndex: link.index)
                for network in network.ipv4Networks where !held.contains(where: { $0.address == network.address }) {
                    findings.append(
                        Finding(
                            .addressNotConfigured,
                            severity: .warning,
                            at: HopName(node: container.name, interface: name),
                            summary: "\(container.name):\(name) lacks \(network.address)/\(network.prefixLength) "
                                + "that its config declares",
                            evidence: ["\(key).ipv4.address = \(network.address)/\(network.prefixLength)"]
                                + [
                                    "\(name) holds "
                                        + (held.isEmpty
                                            ? "nothing" : held.map { "\($0.address)" }.joined(separator: ", "))
                                ],
                            fix: "lxc-attach -n \(container.name) -- ip addr add "
                                + "\(network.address)/\(network.prefixLength) dev \(name) (and stop the DHCP client "
                                + "that removes it, such as udhcpc)"
                        )
                    )
                }
                if let mode = network.macvlanMode, let real = link.macvlan?.mode, real == .private || real == .vepa,
                    mode != real.rawValue
                {
                    findings.append(
                        Finding(
                            real == .private ? .macvlanPrivateMode : .macvlanVepaNoHairpin,
                            severity: .warning,
                            at: HopName(node: container.name, interface: name),
                            summary: "\(container.name):\(name) runs macvlan mode \(real.rawValue), its config says "
                                + mode,
                            evidence: ["\(key).macvlan.mode = \(mode)", "\(name) macvlan mode \(real.rawValue)"],
                            fix: "lxc-attach -n \(container.name) -- ip link set dev \(name) type macvlan mode \(mode)"
                        )
                    )
                }
            }
        }
        return findings
    }
}
