/// The `ip -batch` lines that wire the lab, per namespace. Pure, so the wiring is readable and testable
/// without root; `LabBuild` runs them.
enum LabWiring {
    static let mtu = LabPlan.mtu

    /// The outside world: switch sw0 with the client's veth and the two cables to the host's em1 and em2.
    static func external(_ plan: LabPlan) -> [String] {
        let host = plan.configuration.hostNamespace
        return [
            "link set lo up",
            "link add sw0 mtu \(mtu) type bridge stp_state 0 forward_delay 0",
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
        ]
    }

    /// The container host: br0 (no address, STP off, no forward delay) with em1 as its uplink, em2 addressed.
    /// With plain namespaces it also makes the containers' interfaces, straight into their namespaces.
    static func host(_ plan: LabPlan) -> [String] {
        var lines = [
            "link set lo up",
            "link add br0 mtu \(mtu) type bridge stp_state 0 forward_delay 0",
            "link set em1 master br0",
            "link set em1 promisc on",
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

    /// Inside a plain container namespace: loopback up, eth0 addressed and up.
    static func container(_ member: LabMember, addressing: LabAddressing) -> [String] {
        [
            "link set lo up",
            "address add \(addressing.cidr(member.address)) broadcast \(addressing.broadcast) dev eth0",
            "link set eth0 up",
        ]
    }
}
