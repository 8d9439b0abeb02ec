import Foundation
internal import NetworkModel

/// How the lab's containers are made: real LXC containers, plain network namespaces, or another engine's.
package enum LabBackend: String, Codable, Sendable, CaseIterable {
    /// LXC containers from the busybox template, started inside the host namespace.
    case lxc
    /// Plain network namespaces with the same interfaces, for machines without LXC.
    case namespaces
    /// Docker containers of a dockerd the lab runs inside its host namespace (`lab up --engine docker`).
    case docker
    /// Podman containers (runc, netavark) made inside the host namespace (`lab up --engine podman`).
    case podman

    /// How `status` names the backend.
    package var label: String {
        switch self {
        case .lxc: "LXC containers (busybox)"
        case .namespaces: "plain network namespaces"
        case .docker: "Docker containers (busybox image) of the lab's own dockerd"
        case .podman: "Podman containers (busybox image, runc, netavark) in the lab's own storage"
        }
    }

    /// The engine `lab up --engine` names, for the backends that are another engine's containers.
    package var engine: String? {
        switch self {
        case .lxc, .namespaces: nil
        case .docker, .podman: rawValue
        }
    }
}

/// The macvlan mode of the ct3/ct4 children of br0.
package enum MacvlanMode: String, Codable, Sendable, CaseIterable {
    /// Children reach each other directly; the parent (br0) cannot reach them.
    case bridge
    /// Children are isolated from each other and from the parent.
    case `private`
    /// Children's frames all leave through the parent; they meet only through a hairpinning switch.
    case vepa
    /// One child takes over the parent; the kernel allows no second child, so the lab builds ct3 only.
    case passthru

    /// Whether the kernel allows more than one child of the parent in this mode.
    package var allowsSeveralChildren: Bool { self != .passthru }
}

/// How the lab carries the seed's two VLANs (211 and 103) from the outside switch to br0.
package enum LabVLANStyle: String, Codable, Sendable, CaseIterable {
    /// The seed's way: em1 is a trunk, `em1.211` and `em1.103` (802.1Q subinterfaces) are ports of br0.
    case subinterfaces
    /// The Proxmox/Incus way: em1 itself is a port of br0, which filters VLANs (`vlan_filtering 1`); em1
    /// carries both VIDs tagged, each container port one VID as its PVID, untagged.
    case vlanAware = "vlan-aware"

    /// The VIDs the outside switch carries tagged on the trunk to em1.
    package static let vids: [UInt16] = [211, 103]
}

/// What `Lab` builds: the lab's name (which prefixes every namespace and container it makes) and its options.
package struct LabConfiguration: Sendable, Hashable {
    /// The name of the lab everyone uses by default.
    package static let defaultName = "lxcdiag"
    /// Where labs record what they made.
    package static let defaultStateDirectory = "/run/lxcdiag/labs"

    /// The lab's name: namespaces are `<name>-ext`, `<name>-host`, `<name>-ct1`...
    package var name: String
    /// The mode of the macvlan children ct3 and ct4.
    package var macvlanMode: MacvlanMode
    /// LXC or plain namespaces; nil picks LXC when `lxc-create` is installed (and accepts either for a lab
    /// that is already up).
    package var backend: LabBackend?
    /// The folder holding `<name>.json` (what the lab made) and, for labs other than the default one,
    /// `<name>.endpoints.json`.
    package var stateDirectory: String
    /// The subnet asked for with `--subnet`; nil lets `up` keep the lab's recorded one or pick a free one.
    package var subnet: LabAddressing?
    /// Whether (and how) the lab carries VLANs 211 and 103; nil builds the untagged lab.
    package var vlan: LabVLANStyle?

    package init(
        name: String = LabConfiguration.defaultName,
        macvlanMode: MacvlanMode = .bridge,
        backend: LabBackend? = nil,
        stateDirectory: String = LabConfiguration.defaultStateDirectory,
        subnet: LabAddressing? = nil,
        vlan: LabVLANStyle? = nil
    ) {
        self.name = name
        self.macvlanMode = macvlanMode
        self.backend = backend
        self.stateDirectory = stateDirectory
        self.subnet = subnet
        self.vlan = vlan
    }

    /// Whether this is the default lab, whose LXC containers are plainly `ct1`..`ct4`.
    package var isDefaultLab: Bool { name == Self.defaultName }

    /// The "outside world" namespace: the switch sw0 and the external client's eth0.
    package var externalNamespace: String { "\(name)-ext" }
    /// The container host's namespace: br0, em1, em2, the veth host ends and the LXC command sockets.
    package var hostNamespace: String { "\(name)-host" }

    /// The namespace of the second outside client, on VLAN 103 (VLAN labs only).
    package var externalVLAN103Namespace: String { "\(name)-ext103" }

    /// The plain namespace that stands for container `member` (`ct1`) when LXC is not used.
    package func containerNamespace(_ member: String) -> String { "\(name)-\(member)" }

    /// The LXC container name for `member` (`ct1` in the default lab, `<name>-ct1` in others).
    package func containerName(_ member: String) -> String { isDefaultLab ? member : "\(name)-\(member)" }

    /// The file recording what the lab made.
    package var statePath: String { "\(stateDirectory)/\(name).json" }

    /// The endpoint file the lab registers its endpoints in.
    package var endpointsPath: String {
        isDefaultLab ? EndpointRegistry.defaultPath : "\(stateDirectory)/\(name).endpoints.json"
    }

    /// Throws unless the name is short lowercase letters, digits and dashes (it names files and namespaces).
    package func validate() throws(LabError) {
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789-")
        guard !name.isEmpty, name.count <= 40, name.allSatisfy(allowed.contains),
            name.first != "-", name.last != "-"
        else {
            throw LabError.invalidName(name)
        }
    }
}
