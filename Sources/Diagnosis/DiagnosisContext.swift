package import Containers
package import KernelDrops
package import KernelSettings
package import NetworkModel
import PacketCodec
package import Topology
package import Trace

/// The kernel settings read in one namespace; either part is nil when it could not be read.
package struct NodeSettings: Sendable, Hashable {
    package var sysctls: NamespaceSysctls?
    package var netfilter: NetfilterRuleset?

    package init(sysctls: NamespaceSysctls? = nil, netfilter: NetfilterRuleset? = nil) {
        self.sysctls = sysctls
        self.netfilter = netfilter
    }
}

/// A frame captured with its 802.1Q tags, as PACKET_AUXDATA or the frame itself reports them.
///
/// The trace report does not carry tags; the VLAN rule takes these recorded sightings instead.
package struct TaggedFrameSighting: Sendable, Hashable {
    package var at: HopName
    /// The VLAN IDs the frame carried, outermost first; empty for an untagged frame.
    package var vlanIDs: [UInt16]
    /// The VLAN the frame should have carried there, when the configuration says (an LXC `vlan.id`).
    package var expectedVLAN: UInt16?

    package init(at: HopName, vlanIDs: [UInt16], expectedVLAN: UInt16? = nil) {
        self.at = at
        self.vlanIDs = vlanIDs
        self.expectedVLAN = expectedVLAN
    }
}

extension TaggedFrameSighting {
    /// The distinct tag stacks among frames captured at `hop` (libpcap puts a tag the NIC stripped back into the
    /// bytes), one sighting each; frames that do not decode as Ethernet are skipped.
    package static func sightings(
        at hop: HopName,
        frames: [[UInt8]],
        expectedVLAN: UInt16? = nil
    )
        -> [TaggedFrameSighting]
    {
        var seen: [[UInt16]] = []
        for bytes in frames {
            guard let frame = try? EthernetFrame(decoding: bytes) else { continue }
            let tags = frame.vlanTags.map(\.id)
            if !seen.contains(tags) { seen.append(tags) }
        }
        return seen.map { TaggedFrameSighting(at: hop, vlanIDs: $0, expectedVLAN: expectedVLAN) }
    }
}

extension TaggedFrameSighting {
    /// The tagged frames a trace's captures saw: one sighting per hop and distinct tag stack (a request and
    /// its reply usually carry the same tags).
    package static func sightings(in report: TraceReport) -> [TaggedFrameSighting] {
        var sightings: [TaggedFrameSighting] = []
        for probe in report.probes {
            for hop in probe.hops {
                for sighting in [hop.request, hop.reply] where !sighting.vlanIDs.isEmpty {
                    let found = TaggedFrameSighting(
                        at: HopName(node: hop.node, interface: hop.interface),
                        vlanIDs: sighting.vlanIDs
                    )
                    if !sightings.contains(found) { sightings.append(found) }
                }
            }
        }
        return sightings
    }
}

/// Everything the rules combine besides the trace: the wiring, the settings, the kernel's drops, the configs.
///
/// Node names must be the ones the trace report uses (`host`, container names, netns names).
package struct DiagnosisContext: Sendable {
    package var topology: HostTopology
    /// By node name.
    package var settings: [String: NodeSettings]
    /// Drops of this run's frames the kernel reported (skb:kfree_skb), besides the one in the report's `drop`.
    package var kernelDrops: [KernelDrop]
    /// LXC containers with their configs, for declared-versus-real checks.
    package var containers: [LXCContainer]
    package var taggedFrames: [TaggedFrameSighting]

    package init(
        topology: HostTopology,
        settings: [String: NodeSettings] = [:],
        kernelDrops: [KernelDrop] = [],
        containers: [LXCContainer] = [],
        taggedFrames: [TaggedFrameSighting] = []
    ) {
        self.topology = topology
        self.settings = settings
        self.kernelDrops = kernelDrops
        self.containers = containers
        self.taggedFrames = taggedFrames
    }

    /// The snapshot of `node`.
    func snapshot(_ node: String) -> NamespaceSnapshot? { topology.namespace(named: node) }

    /// The interface a hop names.
    func link(_ hop: HopName) -> Link? { snapshot(hop.node)?.link(named: hop.interface) }

    /// The sysctls of `interface` in `node`.
    func sysctls(_ node: String, _ interface: String) -> InterfaceSysctls? {
        settings[node]?.sysctls?.interface(named: interface)
    }

    /// The node (namespace) that owns `mac`, with the interface, searched across all snapshots.
    func owners(of mac: MACAddress) -> [LinkReference] {
        // A bridge shares a port's MAC and answers for its own addresses: the interface holding an address
        // comes first, so the owner named is the one that answered.
        topology.namespaces.flatMap { snapshot in
            snapshot.links.filter { $0.mac == mac && $0.kind != .vlan }
                .sorted { lhs, _ in !snapshot.addresses(onIndex: lhs.index).isEmpty }
                .map { LinkReference(node: snapshot.node.name, index: $0.index, name: $0.name) }
        }
    }
}
