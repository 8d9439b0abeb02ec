package import NetworkModel
package import PacketCodec

/// How a lab container is wired to br0 in the host namespace.
package enum LabAttachment: Sendable, Hashable {
    /// A veth pair: `hostEnd` is enslaved to br0, the other end is the container's eth0.
    case veth(hostEnd: String)
    /// A macvlan child of br0 in the given mode, which is the container's eth0.
    case macvlan(MacvlanMode)

    /// How output names the attachment: `veth veth-ct1` or `macvlan bridge`.
    package var summary: String {
        switch self {
        case .veth(let hostEnd): "veth \(hostEnd) on br0"
        case .macvlan(let mode): "macvlan (\(mode.rawValue)) on br0"
        }
    }
}

/// One container of the lab as planned: its short name, wiring and address.
package struct LabMember: Sendable, Hashable {
    /// The short name used in endpoints and output (`ct1`).
    package var name: String
    package var attachment: LabAttachment
    /// The address of the container's eth0 (prefix length `LabAddressing.prefixLength`).
    package var address: IPv4Address
}

/// The lab's topology for a configuration: pure data, no I/O.
///
/// ```
///  lxcdiag-ext                    lxcdiag-host
///  eth0 .1 -- sw-cli ┐        ┌ em1 (no address, promisc) -- br0 -- veth-ct1 -- ct1 eth0 .11
///               sw0 ─┼ sw-em1 ┘                               |-- veth-ct2 -- ct2 eth0 .12
///                    └ sw-em2 -- em2 .2                       |~~ macvlan  -- ct3 eth0 .13
///                                                             └~~ macvlan  -- ct4 eth0 .14
/// ```
/// The addresses are offsets in the lab's subnet (`LabAddressing`), which `up` picks so that it overlaps
/// nothing the starting namespace routes.
package struct LabPlan: Sendable, Hashable {
    package static let mtu = 1500

    package let configuration: LabConfiguration
    package let backend: LabBackend
    /// The lab's subnet and the address of every endpoint in it.
    package let addressing: LabAddressing
    /// The containers, in order; in passthru mode only ct3 of the macvlan pair.
    package let members: [LabMember]

    package init(configuration: LabConfiguration, backend: LabBackend, addressing: LabAddressing) {
        self.configuration = configuration
        self.backend = backend
        self.addressing = addressing
        let mode = configuration.macvlanMode
        var members = [
            LabMember(name: "ct1", attachment: .veth(hostEnd: "veth-ct1"), address: addressing.container(1)),
            LabMember(name: "ct2", attachment: .veth(hostEnd: "veth-ct2"), address: addressing.container(2)),
            LabMember(name: "ct3", attachment: .macvlan(mode), address: addressing.container(3)),
        ]
        if mode.allowsSeveralChildren {
            members.append(LabMember(name: "ct4", attachment: .macvlan(mode), address: addressing.container(4)))
        }
        self.members = members
    }

    /// The VLAN a container's port is an access port of in a VLAN-aware lab: ct2 on 103, the others on 211
    /// (ct3 and ct4 through br0's own port, their macvlan parent); nil in the other labs.
    package func accessVID(of member: LabMember) -> UInt16? {
        guard configuration.vlan == .vlanAware else { return nil }
        return member.name == "ct2" ? 103 : 211
    }

    /// The namespaces the lab makes, infrastructure first.
    package var namespaces: [String] {
        var infrastructure = [configuration.externalNamespace, configuration.hostNamespace]
        if configuration.vlan != nil { infrastructure.append(configuration.externalVLAN103Namespace) }
        guard backend == .namespaces else { return infrastructure }  // LXC and engine containers make their own
        return infrastructure + members.map { configuration.containerNamespace($0.name) }
    }

    /// The LXC containers the lab makes (none with plain namespaces).
    package var containers: [String] {
        backend == .lxc ? members.map { configuration.containerName($0.name) } : []
    }

    /// The endpoints the lab registers: `ext`, `host` and each container.
    package var endpoints: [RegisteredEndpoint] {
        var list = [
            RegisteredEndpoint(
                name: "ext",
                kind: "netns",
                netns: configuration.externalNamespace,
                interface: "eth0",
                ip: addressing.external,
                note: "lab \(configuration.name): the outside client on switch sw0"
                    + (configuration.vlan == nil ? "" : ", VLAN 211")
            ),
            RegisteredEndpoint(
                name: "host",
                kind: "netns",
                netns: configuration.hostNamespace,
                interface: "em2",
                ip: addressing.host,
                note: "lab \(configuration.name): the container host's own address (br0 and em1 hold none)"
            ),
        ]
        if configuration.vlan != nil {
            list.append(
                RegisteredEndpoint(
                    name: "ext103",
                    kind: "netns",
                    netns: configuration.externalVLAN103Namespace,
                    interface: "eth0",
                    ip: addressing.externalVLAN103,
                    note: "lab \(configuration.name): the outside client on switch sw0, VLAN 103"
                )
            )
        }
        for member in members {
            let vid = accessVID(of: member).map { ", VLAN \($0)" } ?? ""
            let note = "lab \(configuration.name): \(member.attachment.summary)\(vid)"
            switch backend {
            case .lxc:
                list.append(
                    RegisteredEndpoint(
                        name: member.name,
                        kind: "lxc",
                        container: configuration.containerName(member.name),
                        interface: "eth0",
                        ip: member.address,
                        note: note,
                        starterNetns: configuration.hostNamespace
                    )
                )
            case .docker, .podman:
                let engine = backend.rawValue
                list.append(
                    RegisteredEndpoint(
                        name: member.name,
                        kind: engine,
                        container: configuration.containerName(member.name),
                        interface: "eth0",
                        ip: member.address,
                        note: note + ", \(engine) container \(engine):\(configuration.containerName(member.name))"
                    )
                )
            case .namespaces:
                list.append(
                    RegisteredEndpoint(
                        name: member.name,
                        kind: "netns",
                        netns: configuration.containerNamespace(member.name),
                        interface: "eth0",
                        ip: member.address,
                        note: note
                    )
                )
            }
        }
        return list
    }
}
