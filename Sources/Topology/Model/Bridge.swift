/// Settings of a Linux bridge (IFLA_INFO_DATA of kind `bridge`).
package struct BridgeSettings: Codable, Sendable, Hashable {
    package var stpState: STPState
    /// Forward delay in hundredths of a second, as the kernel reports it (1500 = 15 s).
    package var forwardDelayCentiseconds: UInt32?
    package var vlanFiltering: Bool
    /// The PVID new ports get when VLAN filtering is on.
    package var vlanDefaultPVID: UInt16?

    package init(
        stpState: STPState,
        forwardDelayCentiseconds: UInt32? = nil,
        vlanFiltering: Bool = false,
        vlanDefaultPVID: UInt16? = nil
    ) {
        self.stpState = stpState
        self.forwardDelayCentiseconds = forwardDelayCentiseconds
        self.vlanFiltering = vlanFiltering
        self.vlanDefaultPVID = vlanDefaultPVID
    }
}

/// Whether and how a bridge runs spanning tree (IFLA_BR_STP_STATE).
package enum STPState: String, Codable, Sendable, Hashable {
    case off
    /// STP run by the kernel.
    case kernel
    /// STP run by a user-space daemon (mstpd).
    case user
    case unknown

    /// The state for the kernel's BR_NO_STP / BR_KERNEL_STP / BR_USER_STP value.
    package init(kernelValue: UInt32) {
        switch kernelValue {
        case 0: self = .off
        case 1: self = .kernel
        case 2: self = .user
        default: self = .unknown
        }
    }
}

/// A bridge port's per-port state and flags (IFLA_INFO_SLAVE_DATA of slave kind `bridge`).
///
/// Flags are nil when the kernel did not report them.
package struct BridgePort: Codable, Sendable, Hashable {
    /// The STP state; only `forwarding` passes frames.
    package var state: PortState
    package var learning: Bool?
    /// Flooding of unknown unicast out of this port.
    package var unicastFlood: Bool?
    package var broadcastFlood: Bool?
    package var multicastFlood: Bool?
    /// Hairpin mode (IFLA_BRPORT_MODE): frames may go back out of the port they came in on.
    package var hairpin: Bool?
    /// An isolated port only talks to non-isolated ports.
    package var isolated: Bool?
    /// The port's VLANs on a bridge with VLAN filtering (`bridge vlan show`); nil when not read.
    package var vlans: [PortVLAN]?

    package init(
        state: PortState,
        learning: Bool? = nil,
        unicastFlood: Bool? = nil,
        broadcastFlood: Bool? = nil,
        multicastFlood: Bool? = nil,
        hairpin: Bool? = nil,
        isolated: Bool? = nil
    ) {
        self.state = state
        self.learning = learning
        self.unicastFlood = unicastFlood
        self.broadcastFlood = broadcastFlood
        self.multicastFlood = multicastFlood
        self.hairpin = hairpin
        self.isolated = isolated
    }
}

/// A bridge port's STP state (IFLA_BRPORT_STATE); only `forwarding` passes frames.
package enum PortState: String, Codable, Sendable, Hashable {
    case disabled
    case listening
    case learning
    case forwarding
    case blocking
    case unknown

    /// The state for the kernel's BR_STATE_* value.
    package init(kernelValue: UInt8) {
        switch kernelValue {
        case 0: self = .disabled
        case 1: self = .listening
        case 2: self = .learning
        case 3: self = .forwarding
        case 4: self = .blocking
        default: self = .unknown
        }
    }
}

/// One VLAN a bridge port (or, `self`, the bridge device) is a member of.
package struct PortVLAN: Codable, Sendable, Hashable {
    package var vid: UInt16
    /// Untagged frames arriving on the port join this VLAN.
    package var pvid: Bool
    /// The port sends this VLAN's frames without a tag.
    package var untagged: Bool

    package init(vid: UInt16, pvid: Bool = false, untagged: Bool = false) {
        self.vid = vid
        self.pvid = pvid
        self.untagged = untagged
    }
}

extension BridgePort {
    /// The VLAN untagged frames arriving here join, when the port's VLANs are known.
    package var pvid: UInt16? { vlans?.first { $0.pvid }?.vid }

    /// Whether the port carries `vid` (unknown VLANs count as carried).
    package func carries(_ vid: UInt16) -> Bool { vlans.map { $0.contains { $0.vid == vid } } ?? true }
}
