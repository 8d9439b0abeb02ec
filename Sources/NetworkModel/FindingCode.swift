/// The stable code of every finding lxcdiag can report, with the severity it carries.
///
/// The raw value is what `--json` prints in `code`; docs/findings.md documents each one (cause, evidence, fix).
package enum FindingCode: String, Sendable, Hashable, Codable, CaseIterable {
    case linkDown = "LINK_DOWN"
    case addressNotConfigured = "ADDRESS_NOT_CONFIGURED"
    case noRoute = "NO_ROUTE"
    case arpIgnored = "ARP_IGNORED"
    case arpFlux = "ARP_FLUX"
    case duplicateIP = "DUPLICATE_IP"
    case duplicateMAC = "DUPLICATE_MAC"
    case staleNeighbour = "STALE_NEIGHBOUR"
    case bridgePortNotForwarding = "BRIDGE_PORT_NOT_FORWARDING"
    case bridgePortFloodDisabled = "BRIDGE_PORT_FLOOD_DISABLED"
    case fdbWrongPort = "FDB_WRONG_PORT"
    case brNetfilterDrop = "BR_NETFILTER_DROP"
    case netfilterDrop = "NETFILTER_DROP"
    case rpFilterDrop = "RP_FILTER_DROP"
    case mtuMismatch = "MTU_MISMATCH"
    case macvlanParentIsolation = "MACVLAN_PARENT_ISOLATION"
    case macvlanPrivateMode = "MACVLAN_PRIVATE_MODE"
    case macvlanVepaNoHairpin = "MACVLAN_VEPA_NO_HAIRPIN"
    case vlanMismatch = "VLAN_MISMATCH"
    case promiscRequired = "PROMISC_REQUIRED"
    case kernelDrop = "KERNEL_DROP"
    case nothingListens = "NOTHING_LISTENS"
    case packetLoss = "PACKET_LOSS"
    case latency = "LATENCY"

    /// How bad the cause is when a trace proves it: every code names something that loses frames, so all are
    /// errors except the ones that are a risk rather than a loss (doctor may lower others to warnings).
    package var severity: Finding.Severity {
        switch self {
        case .arpFlux, .macvlanVepaNoHairpin, .promiscRequired: .warning
        default: .error
        }
    }

    /// One line saying what the code means.
    package var meaning: String {
        switch self {
        case .linkDown: "an interface on the path is down or has no carrier"
        case .addressNotConfigured: "the target has no such address"
        case .noRoute: "the source has no route to the target"
        case .arpIgnored: "the target saw the ARP request and its arp_ignore/arp_filter setting kept it silent"
        case .arpFlux: "one address answered from more than one interface of the same host"
        case .duplicateIP: "one address answered by different MACs of different machines or containers"
        case .duplicateMAC: "two interfaces on one segment share a MAC"
        case .staleNeighbour: "the source's neighbour entry for the target holds a MAC that is not the target's"
        case .bridgePortNotForwarding: "a bridge port on the path is not in forwarding state (STP, manual)"
        case .bridgePortFloodDisabled: "broadcast/unknown-unicast flooding is off on a port the frame needed"
        case .fdbWrongPort: "the bridge sent the frame to a port other than the one leading to the target"
        case .brNetfilterDrop: "bridged frames pass iptables/nft via br_netfilter and a FORWARD rule/policy drops them"
        case .netfilterDrop: "a netfilter rule or policy elsewhere (host input, container arp/input) drops the frame"
        case .rpFilterDrop: "reverse-path filtering drops the frame"
        case .mtuMismatch: "the full-size probe dies where the MTU shrinks"
        case .macvlanParentIsolation: "the host talks to a macvlan child through the child's own parent"
        case .macvlanPrivateMode: "macvlan private mode forbids child-to-child traffic"
        case .macvlanVepaNoHairpin: "vepa children need the next switch to hairpin, and it does not"
        case .vlanMismatch: "a frame arrives with a VLAN tag no interface accepts, or without the one expected"
        case .promiscRequired: "an uplink enslaved to a bridge is not receiving frames for container MACs"
        case .kernelDrop: "the kernel dropped the frame for another reason"
        case .nothingListens: "the target refused the port (TCP RST, ICMP port unreachable): nothing listens there"
        case .packetLoss: "some of a burst's frames are lost (trace --count): named where the loss starts"
        case .latency: "a hop adds 10 ms or more to every frame of a burst (trace --count)"
        }
    }
}

extension Finding {
    /// A finding with a catalogue code; the severity is the code's unless `severity` overrides it.
    package init(
        _ code: FindingCode,
        severity: Severity? = nil,
        at location: HopName?,
        summary: String,
        evidence: [String],
        fix: String
    ) {
        self.init(
            code: code.rawValue,
            severity: severity ?? code.severity,
            location: location,
            summary: summary,
            evidence: evidence,
            fix: fix
        )
    }

    /// The catalogue code, when the finding carries one (trace-level findings use their own lower-case codes).
    package var catalogueCode: FindingCode? { FindingCode(rawValue: code) }
}
