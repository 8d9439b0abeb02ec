import Foundation
internal import Lab
import LinuxNet
internal import NetworkModel
import PacketCodec

/// Every fault the lab can make. Addresses are the lab's (`LabAddressing`): client .1, em2 .2, ct1..ct4 .11-.14.
package enum LabFaultCatalogue {
    /// The faults, in the order `lab break --list` shows them.
    package static let all: [LabFault] = [
        LabFault("port-blocking", "veth-ct1's bridge port disabled (STP off keeps it there)", .bridgePortNotForwarding)
        {
            lab in
            FaultActions(
                breakCommands: [["bridge", "-n", lab.host, "link", "set", "dev", "veth-ct1", "state", "0"]],
                fixCommands: [["bridge", "-n", lab.host, "link", "set", "dev", "veth-ct1", "state", "3"]]
            )
        },
        LabFault(
            "flood-off",
            "flooding (broadcast, multicast, unknown unicast) off on veth-ct1",
            .bridgePortFloodDisabled
        ) {
            lab in
            let flags = ["flood", "mcast_flood", "bcast_flood"]
            let set = ["bridge", "-n", lab.host, "link", "set", "dev", "veth-ct1"]
            return FaultActions(
                breakCommands: [set + flags.flatMap { [$0, "off"] }],
                fixCommands: [set + flags.flatMap { [$0, "on"] }]
            )
        },
        LabFault("br-netfilter-drop", "br_netfilter on and an inet FORWARD rule dropping ICMP to ct1", .brNetfilterDrop)
        {
            lab in
            let previous = try sysctl(lab.inNamespace(lab.host, []), "net.bridge.bridge-nf-call-iptables")
            let nft = lab.inNamespace(lab.host, ["nft"])
            return FaultActions(
                breakCommands: [
                    lab.inNamespace(lab.host, ["sysctl", "-qw", "net.bridge.bridge-nf-call-iptables=1"]),
                    nft + ["add table inet lxcdiag_fault"],
                    nft + [
                        "add chain inet lxcdiag_fault forward { type filter hook forward priority 0; policy accept; }"
                    ],
                    nft + [
                        "add rule inet lxcdiag_fault forward ip daddr \(lab.addressing.container(1)) ip protocol icmp drop"
                    ],
                ],
                fixCommands: [
                    nft + ["delete table inet lxcdiag_fault"],
                    lab.inNamespace(lab.host, ["sysctl", "-qw", "net.bridge.bridge-nf-call-iptables=\(previous)"]),
                ]
            )
        },
        LabFault(
            "bridge-filter-drop",
            "an nft bridge-family FORWARD rule on the host drops ICMP to ct1",
            .netfilterDrop
        ) {
            lab in
            let nft = lab.inNamespace(lab.host, ["nft"])
            return FaultActions(
                breakCommands: [
                    nft + ["add table bridge lxcdiag_fault"],
                    nft + [
                        "add chain bridge lxcdiag_fault forward { type filter hook forward priority 0; policy accept; }"
                    ],
                    nft + [
                        "add rule bridge lxcdiag_fault forward ip daddr \(lab.addressing.container(1)) ip protocol icmp drop"
                    ],
                ],
                fixCommands: [nft + ["delete table bridge lxcdiag_fault"]]
            )
        },
        LabFault("container-link-down", "ct1's eth0 down", .linkDown) { lab in
            FaultActions(
                breakCommands: [try lab.inContainer("ct1", ["ip", "link", "set", "dev", "eth0", "down"])],
                fixCommands: [try lab.inContainer("ct1", ["ip", "link", "set", "dev", "eth0", "up"])]
            )
        },
        LabFault("container-mtu", "ct1's eth0 MTU 1400 while the path is 1500", .mtuMismatch) { lab in
            let mtu = try linkMTU(try lab.inContainer("ct1", []), "eth0")
            return FaultActions(
                breakCommands: [try lab.inContainer("ct1", ["ip", "link", "set", "dev", "eth0", "mtu", "1400"])],
                fixCommands: [try lab.inContainer("ct1", ["ip", "link", "set", "dev", "eth0", "mtu", "\(mtu)"])]
            )
        },
        LabFault("arp-ignore", "ct1 ignores every ARP request (conf.all.arp_ignore=8)", .arpIgnored) { lab in
            let inside = try lab.inContainer("ct1", [])
            let previous = try sysctl(inside, "net.ipv4.conf.all.arp_ignore")
            return FaultActions(
                breakCommands: [inside + ["sysctl", "-qw", "net.ipv4.conf.all.arp_ignore=8"]],
                fixCommands: [inside + ["sysctl", "-qw", "net.ipv4.conf.all.arp_ignore=\(previous)"]]
            )
        },
        LabFault("duplicate-ip", "ct2 also holds ct1's address", .duplicateIP) { lab in
            let inside = try lab.inContainer("ct2", ["ip", "addr"])
            let ct1 = lab.addressing.cidr(lab.addressing.container(1))
            return FaultActions(
                breakCommands: [inside + ["add", ct1, "dev", "eth0"]],
                fixCommands: [inside + ["del", ct1, "dev", "eth0"]]
            )
        },
        LabFault("duplicate-mac", "ct2's eth0 takes ct1's MAC", .duplicateMAC) { lab in
            let ct1 = try linkMAC(try lab.inContainer("ct1", []), "eth0")
            let ct2 = try linkMAC(try lab.inContainer("ct2", []), "eth0")
            let set = try lab.inContainer("ct2", ["ip", "link", "set", "dev", "eth0", "address"])
            return FaultActions(breakCommands: [set + [ct1]], fixCommands: [set + [ct2]])
        },
        LabFault("stale-neighbour", "the client's ARP cache maps ct1's address to a MAC nobody has", .staleNeighbour) {
            lab in
            let neigh = ["ip", "-n", lab.ext, "neigh"]
            let ct1 = "\(lab.addressing.container(1))"
            return FaultActions(
                breakCommands: [
                    neigh + ["replace", ct1, "lladdr", "02:00:00:00:99:99", "dev", "eth0", "nud", "permanent"]
                ],
                fixCommands: [neigh + ["del", ct1, "dev", "eth0"]]
            )
        },
        LabFault(
            "rp-filter",
            "ct1 routes the client back through another interface, with strict rp_filter",
            .rpFilterDrop
        ) { lab in
            let inside = try lab.inContainer("ct1", [])
            let all = try sysctl(inside, "net.ipv4.conf.all.rp_filter")
            let eth0 = try sysctl(inside, "net.ipv4.conf.eth0.rp_filter")
            return FaultActions(
                breakCommands: [
                    inside + ["ip", "link", "add", "rpf0", "type", "veth", "peer", "name", "rpf1"],
                    inside + ["ip", "link", "set", "dev", "rpf1", "up"],
                    inside + ["ip", "link", "set", "dev", "rpf0", "up"],
                    inside + ["ip", "route", "add", "\(lab.addressing.external)/32", "dev", "rpf0"],
                    inside + ["sysctl", "-qw", "net.ipv4.conf.all.rp_filter=1", "net.ipv4.conf.eth0.rp_filter=1"],
                ],
                fixCommands: [
                    inside + ["ip", "link", "del", "dev", "rpf0"],
                    inside + [
                        "sysctl", "-qw", "net.ipv4.conf.all.rp_filter=\(all)", "net.ipv4.conf.eth0.rp_filter=\(eth0)",
                    ],
                ]
            )
        },
        LabFault(
            "macvlan-private",
            "ct3 and ct4's macvlan children in private mode",
            .macvlanPrivateMode,
            trace: ("ct3", "ct4")
        ) {
            lab in try macvlanMode(lab, "private")
        },
        LabFault(
            "macvlan-vepa",
            "ct3 and ct4's macvlan children in vepa mode on br0, which never hairpins",
            .macvlanVepaNoHairpin,
            trace: ("ct3", "ct4")
        ) { lab in try macvlanMode(lab, "vepa") },
        LabFault(
            "macvlan-parent-address",
            "the host gives br0, ct3's macvlan parent, an address (.4 of the lab's subnet)",
            .macvlanParentIsolation,
            trace: ("iface:br0", "ct3")
        ) { lab in
            let ip = ["ip", "-n", lab.host, "addr"]
            let previous = try sysctl(lab.inNamespace(lab.host, []), "net.ipv4.conf.all.arp_ignore")
            return FaultActions(
                // arp_ignore=1 so this fault is only the parent's address, not ARP flux with em2.
                breakCommands: [
                    lab.inNamespace(lab.host, ["sysctl", "-qw", "net.ipv4.conf.all.arp_ignore=1"]),
                    ip + ["add", lab.addressing.cidr(lab.addressing.parentFault), "dev", "br0"],
                ],
                fixCommands: [
                    ip + ["del", lab.addressing.cidr(lab.addressing.parentFault), "dev", "br0"],
                    lab.inNamespace(lab.host, ["sysctl", "-qw", "net.ipv4.conf.all.arp_ignore=\(previous)"]),
                ]
            )
        },
        LabFault("arp-flux", "ct1 gets a second interface on br0 (eth1, .31): both answer ARP for ct1's .11", .arpFlux)
        {
            lab in
            let inside = try lab.inContainer("ct1", ["ip"])
            let namespace = try lab.namespaceReference("ct1")
            let host = ["ip", "-n", lab.host, "link"]
            return FaultActions(
                breakCommands: [
                    host + ["add", "veth-ct1b", "type", "veth", "peer", "name", "eth1", "netns", namespace],
                    host + ["set", "dev", "veth-ct1b", "master", "br0", "up"],
                    inside + ["addr", "add", lab.addressing.cidr(lab.addressing.fluxFault), "dev", "eth1"],
                    inside + ["link", "set", "dev", "eth1", "up"],
                ],
                fixCommands: [host + ["del", "dev", "veth-ct1b"]]
            )
        },
        LabFault("container-input-drop", "an nft input rule inside ct1 drops ICMP", .netfilterDrop) { lab in
            let nft = try lab.inContainer("ct1", ["nft"])
            return FaultActions(
                breakCommands: [
                    nft + ["add table inet lxcdiag_fault"],
                    nft + ["add chain inet lxcdiag_fault input { type filter hook input priority 0; policy accept; }"],
                    nft + ["add rule inet lxcdiag_fault input ip protocol icmp drop"],
                ],
                fixCommands: [nft + ["delete table inet lxcdiag_fault"]]
            )
        },
        LabFault("no-address", "ct1's eth0 loses its address", .addressNotConfigured) { lab in
            let inside = try lab.inContainer("ct1", ["ip", "addr"])
            let ct1 = lab.addressing.cidr(lab.addressing.container(1))
            let broadcast = "\(lab.addressing.broadcast)"
            return FaultActions(
                breakCommands: [inside + ["del", ct1, "dev", "eth0"]],
                fixCommands: [inside + ["add", ct1, "broadcast", broadcast, "dev", "eth0"]]
            )
        },
        LabFault("no-route", "ct1 loses its route to the lab's subnet, so it cannot reply", .noRoute) { lab in
            let inside = try lab.inContainer("ct1", ["ip", "route"])
            let subnet = lab.addressing.subnet.description
            return FaultActions(
                breakCommands: [inside + ["del", subnet, "dev", "eth0"]],
                fixCommands: [
                    inside + [
                        "add", subnet, "dev", "eth0", "proto", "kernel", "scope", "link", "src",
                        "\(lab.addressing.container(1))",
                    ]
                ]
            )
        },
        LabFault(
            "fdb-wrong-port",
            "br0's forwarding table sends ct1's MAC to veth-ct2 (a static, sticky entry)",
            .fdbWrongPort
        ) {
            lab in
            let mac = try linkMAC(try lab.inContainer("ct1", []), "eth0")
            let fdb = ["bridge", "-n", lab.host, "fdb"]
            return FaultActions(
                breakCommands: [fdb + ["replace", mac, "dev", "veth-ct2", "master", "static", "sticky"]],
                fixCommands: [fdb + ["del", mac, "dev", "veth-ct2", "master"]]
            )
        },
        LabFault(
            "tcp-forward-drop",
            "an nft bridge-family FORWARD rule on the host drops TCP \(LabListener.port) to ct1; ICMP passes",
            .netfilterDrop,
            traceArguments: ["--tcp", "\(LabListener.port)"]
        ) { lab in
            let nft = lab.inNamespace(lab.host, ["nft"])
            let ct1 = lab.addressing.container(1)
            return FaultActions(
                breakCommands: [
                    nft + ["add table bridge lxcdiag_fault_tcp"],
                    nft + [
                        "add chain bridge lxcdiag_fault_tcp forward { type filter hook forward priority 0; policy accept; }"
                    ],
                    nft + [
                        "add rule bridge lxcdiag_fault_tcp forward ip daddr \(ct1) tcp dport \(LabListener.port) drop"
                    ],
                ],
                fixCommands: [nft + ["delete table bridge lxcdiag_fault_tcp"]]
            )
        },
        LabFault(
            "udp-input-drop",
            "an nft input rule inside ct1 drops UDP; ICMP and TCP pass",
            .netfilterDrop,
            traceArguments: ["--udp", "\(LabListener.port)"]
        ) { lab in
            let nft = try lab.inContainer("ct1", ["nft"])
            return FaultActions(
                breakCommands: [
                    nft + ["add table inet lxcdiag_fault_udp"],
                    nft + [
                        "add chain inet lxcdiag_fault_udp input { type filter hook input priority 0; policy accept; }"
                    ],
                    nft + ["add rule inet lxcdiag_fault_udp input meta l4proto udp drop"],
                ],
                fixCommands: [nft + ["delete table inet lxcdiag_fault_udp"]]
            )
        },
        LabFault(
            "closed-port",
            "the lab's listener in ct1 is stopped: nothing listens on TCP \(LabListener.port)",
            .nothingListens,
            traceArguments: ["--tcp", "\(LabListener.port)"]
        ) { lab in
            let listener = LabListener(configuration: LabConfiguration(name: lab.name))
            guard let pid = listener.runningPID else {
                throw LabFaultError("the lab's listener does not run (lxcdiag lab up --name \(lab.name) starts it)")
            }
            return FaultActions(
                breakCommands: [["kill", "\(pid)"]],
                fixCommands: [listener.startCommand(in: try lab.inContainer("ct1", []))]
            )
        },
        LabFault(
            "vlan-wrong-vid",
            "em1.211 remade with VID 212: the subinterface no longer takes the trunk's VLAN 211",
            .vlanMismatch,
            needs: .vlanSubinterfaces
        ) { lab in
            let link = ["ip", "-n", lab.host, "link"]
            func subinterface(_ vid: Int) -> [[String]] {
                [
                    link + ["del", "dev", "em1.211"],
                    link + ["add", "link", "em1", "name", "em1.211", "type", "vlan", "id", "\(vid)"],
                    link + ["set", "dev", "em1.211", "master", "br0", "up"],
                ]
            }
            return FaultActions(breakCommands: subinterface(212), fixCommands: subinterface(211))
        },
        LabFault(
            "vlan-trunk-missing",
            "the outside switch's trunk to em1 (sw-em1) stops carrying VLAN 103",
            .vlanMismatch,
            trace: ("ext103", "ct2"),
            needs: .vlanSubinterfaces
        ) { lab in
            let vlan = ["bridge", "-n", lab.ext, "vlan"]
            return FaultActions(
                breakCommands: [vlan + ["del", "dev", "sw-em1", "vid", "103"]],
                fixCommands: [vlan + ["add", "dev", "sw-em1", "vid", "103"]]
            )
        },
        LabFault(
            "vlan-missing-pvid",
            "veth-ct1, an access port of VLAN 211 on the VLAN-aware br0, loses VID 211",
            .vlanMismatch,
            needs: .vlanAware
        ) { lab in
            let vlan = ["bridge", "-n", lab.host, "vlan"]
            return FaultActions(
                breakCommands: [vlan + ["del", "dev", "veth-ct1", "vid", "211"]],
                fixCommands: [vlan + ["add", "dev", "veth-ct1", "vid", "211", "pvid", "untagged"]]
            )
        },
        LabFault(
            "loss",
            .packetLoss,
            defaultHop: FaultHop(node: "host", interface: "veth-ct1"),
            traceArguments: ["--count", "50"],
            needs: .netem,
            summary: { hop in "netem on \(hop) drops 30% of the frames it sends (default: towards ct1)" },
            plan: { lab, hop in try netem(lab, hop, ["loss", "30%"]) }
        ),
        LabFault(
            "delay",
            .latency,
            defaultHop: FaultHop(node: "host", interface: "veth-ct1"),
            traceArguments: ["--count", "20"],
            needs: .netem,
            summary: { hop in "netem on \(hop) holds every frame it sends 50 ms (default: towards ct1)" },
            plan: { lab, hop in try netem(lab, hop, ["delay", "50ms"]) }
        ),
    ]

    /// The fault called `name`.
    package static func fault(named name: String) -> LabFault? { all.first { $0.name == name } }

    /// A netem root qdisc with `parameters` on `hop`, and its removal.
    private static func netem(_ lab: LabLayout, _ hop: FaultHop, _ parameters: [String]) throws -> FaultActions {
        let (_, netns) = try hop.namespace(in: lab)
        let qdisc = ["tc", "-n", netns, "qdisc"]
        return FaultActions(
            breakCommands: [qdisc + ["add", "dev", hop.interface, "root", "netem"] + parameters],
            fixCommands: [qdisc + ["del", "dev", hop.interface, "root"]]
        )
    }

    // MARK: Reading the lab's current values, so a fix restores them

    private static func macvlanMode(_ lab: LabLayout, _ mode: String) throws -> FaultActions {
        let ct3 = try lab.inContainer("ct3", ["ip", "link", "set", "dev", "eth0", "type", "macvlan", "mode"])
        let ct4 = try lab.inContainer("ct4", ["ip", "link", "set", "dev", "eth0", "type", "macvlan", "mode"])
        return FaultActions(
            breakCommands: [ct3 + [mode], ct4 + [mode]],
            fixCommands: [ct3 + ["bridge"], ct4 + ["bridge"]]
        )
    }

    static func sysctl(_ prefix: [String], _ name: String) throws -> String {
        let output = try ExternalCommand.check(prefix + ["sysctl", "-n", name])
        return output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func linkJSON(_ prefix: [String], _ interface: String) throws -> [String: Any] {
        let output = try ExternalCommand.check(prefix + ["ip", "-j", "link", "show", "dev", interface])
        let links = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [[String: Any]]
        guard let link = links?.first else {
            throw LabFaultError("\(interface) not found (\(prefix.joined(separator: " ")))")
        }
        return link
    }

    static func linkMAC(_ prefix: [String], _ interface: String) throws -> String {
        guard let mac = try linkJSON(prefix, interface)["address"] as? String else {
            throw LabFaultError("\(interface) has no MAC (\(prefix.joined(separator: " ")))")
        }
        return mac
    }

    static func linkMTU(_ prefix: [String], _ interface: String) throws -> Int {
        guard let mtu = try linkJSON(prefix, interface)["mtu"] as? Int else {
            throw LabFaultError("\(interface) has no MTU (\(prefix.joined(separator: " ")))")
        }
        return mtu
    }
}
