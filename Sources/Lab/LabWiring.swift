/// The `ip -batch` lines that wire the lab, per namespace. Pure, so the wiring is readable and testable
/// without root; `LabBuild` runs them.
enum LabWiring {
    static let mtu = LabPlan.mtu

    /// The outside world: switch sw0 with the client's veth and the two cables to the host's em1 and em2.
    static func external(_ plan: LabPlan) -> [String] {
        let host = plan.configuration.hostNamespace
        return [
            "link set lo up",
            "link add sw0 mtu \(mtu) type bridge stp_state 0 forward_delay 0"
                + (plan.configuration.vlan == nil ? "" : " vlan_filtering 1"),
            // The switch shares this namespace with the client: without NOARP its bridge device would answer
            // ARP for the client's address with its own MAC (ARP flux the outside world does not have).
            "link set sw0 arp off",
            "link add eth0 mtu \(mtu) type veth peer name sw-cli mtu \(mtu)",
            "link add sw-em1 mtu \(mtu) type veth peer name em1 mtu \(mtu) netns \(host)",
            "link add sw-em2 mtu \(mtu) type veth peer name em2 mtu \(mtu) netns \(host)",
            "link set sw-cli master sw0",
            "link set sw-em1 master sw0",
            "link set sw-em2 master sw0",
            "address add \(plan.addressing.cidr(plan.addressing.external)) dev eth0",
            "link set sw0 up",
            "link set sw-cli up",
            "link set sw-em1 up",
            "link set sw-em2 up",
            "link set eth0 up",
        ] + externalVLAN103(plan)
    }

    /// In a VLAN lab, the cable from sw0 to the second outside client (the one on VLAN 103).
    private static func externalVLAN103(_ plan: LabPlan) -> [String] {
        guard plan.configuration.vlan != nil else { return [] }
        let client = plan.configuration.externalVLAN103Namespace
        return [
            "link add sw-cli103 mtu \(mtu) type veth peer name eth0 mtu \(mtu) netns \(client)",
            "link set sw-cli103 master sw0",
            "link set sw-cli103 up",
        ]
    }

    /// The `bridge -batch` lines of the outside switch in a VLAN lab: the trunk sw-em1 carries 211 and 103
    /// tagged, each client (and em2, on 211) is an access port. Empty for the untagged lab.
    static func externalVLANs(_ plan: LabPlan) -> [String] {
        guard plan.configuration.vlan != nil else { return [] }
        return ["sw-cli", "sw-cli103", "sw-em1", "sw-em2"].map { "vlan del dev \($0) vid 1" } + [
            "vlan add dev sw-cli vid 211 pvid untagged",
            "vlan add dev sw-em2 vid 211 pvid untagged",
            "vlan add dev sw-cli103 vid 103 pvid untagged",
        ] + LabVLANStyle.vids.map { "vlan add dev sw-em1 vid \($0)" }
    }

    /// The `bridge -batch` lines of a VLAN-aware host's br0: em1 a trunk of both VIDs, br0's own port
    /// (the macvlan children's way in) and every veth an access port of its container's VID.
    static func hostVLANs(_ plan: LabPlan) -> [String] {
        guard plan.configuration.vlan == .vlanAware else { return [] }
        var lines = ["vlan del dev em1 vid 1"] + LabVLANStyle.vids.map { "vlan add dev em1 vid \($0)" }
        lines += ["vlan del dev br0 vid 1 self", "vlan add dev br0 vid 211 pvid untagged self"]
        for member in plan.members {
            guard case .veth(let hostEnd) = member.attachment, let vid = plan.accessVID(of: member) else { continue }
            lines += ["vlan del dev \(hostEnd) vid 1", "vlan add dev \(hostEnd) vid \(vid) pvid untagged"]
        }
        return lines
    }

    /// The container host: br0 (no address, STP off, no forward delay) with em1 as its uplink, em2 addressed.
    /// With plain namespaces it also makes the containers' interfaces, straight into their namespaces.
    static func host(_ plan: LabPlan) -> [String] {
        var lines = ["link set lo up"]
        switch plan.configuration.vlan {
        case nil:
            lines += [
                "link add br0 mtu \(mtu) type bridge stp_state 0 forward_delay 0",
                "link set em1 master br0",
                "link set em1 promisc on",
            ]
        case .vlanAware:
            lines += [
                "link add br0 mtu \(mtu) type bridge stp_state 0 forward_delay 0 vlan_filtering 1",
                "link set em1 master br0",
                "link set em1 promisc on",
            ]
        case .subinterfaces:
            // The seed: em1 is the trunk, its 802.1Q subinterfaces are br0's uplinks (both VLANs in one domain).
            // A VLAN device comes up only over a lower device that is up.
            lines += ["link add br0 mtu \(mtu) type bridge stp_state 0 forward_delay 0", "link set em1 up"]
            for vid in LabVLANStyle.vids {
                lines += [
                    "link add link em1 name em1.\(vid) mtu \(mtu) type vlan id \(vid)",
                    "link set em1.\(vid) master br0",
                    "link set em1.\(vid) up",
                ]
            }
        }
        lines += [
            "address add \(plan.addressing.cidr(plan.addressing.host)) dev em2",
            "link set br0 up",
            "link set em1 up",
            "link set em2 up",
        ]
        guard plan.backend == .namespaces else { return lines }
        for member in plan.members {
            let target = plan.configuration.containerNamespace(member.name)
            switch member.attachment {
            case .veth(let hostEnd):
                lines += [
                    "link add \(hostEnd) mtu \(mtu) type veth peer name eth0 mtu \(mtu) netns \(target)",
                    "link set \(hostEnd) master br0",
                    "link set \(hostEnd) up",
                ]
            case .macvlan(let mode):
                lines.append(
                    "link add link br0 name eth0 mtu \(mtu) netns \(target) type macvlan mode \(mode.rawValue)"
                )
            }
        }
        return lines
    }

    /// Inside the VLAN 103 client's namespace: like the first client, eth0 addressed and up.
    static func externalVLAN103Client(_ plan: LabPlan) -> [String] {
        [
            "link set lo up",
            "address add \(plan.addressing.cidr(plan.addressing.externalVLAN103)) dev eth0",
            "link set eth0 up",
        ]
    }

    /// Inside a plain container namespace: loopback up, eth0 addressed and up.
    static func container(_ member: LabMember, addressing: LabAddressing) -> [String] {
        [
            "link set lo up",
            "address add \(addressing.cidr(member.address)) broadcast \(addressing.broadcast) dev eth0",
            "link set eth0 up",
        ]
    }
}
