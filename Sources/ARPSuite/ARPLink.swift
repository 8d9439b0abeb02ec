package import LinuxNet
package import PacketCodec

/// An interface ARP frames are sent and received on, opened inside a vantage point's namespace.
///
/// Untagged links bind to the ARP protocol and ignore frames meant for other hosts (a tagged frame for a VLAN
/// this host lacks arrives untagged and marked "other host"). Tagged links bind to every protocol because
/// only those sockets see the tag the kernel strips (PACKET_AUXDATA), and keep only their VLAN.
package final class ARPLink: Sendable {
    package let label: String
    package let interface: String
    package let mac: MACAddress
    /// The sender address requests carry; 0.0.0.0 when the interface has none and none was given.
    package let ip: IPv4Address
    /// The network of the interface's own address, when it has one.
    package let network: IPv4Network?
    package let vlan: UInt16?
    private let socket: PacketSocket

    init(
        label: String,
        socket: PacketSocket,
        mac: MACAddress,
        ip: IPv4Address,
        network: IPv4Network?,
        vlan: UInt16?
    ) {
        self.label = label
        self.interface = socket.interfaceName
        self.socket = socket
        self.mac = mac
        self.ip = ip
        self.network = network
        self.vlan = vlan
    }

    /// Opens a link at `vantage`: on `interface` if given, else the endpoint's, else the one whose IPv4 network
    /// holds `target`, else (with `firstConfigured`, as arp-scan --localnet picks) the first interface but
    /// loopback that has an IPv4 address. `source` overrides the sender address (needed on a trunk parent without
    /// one).
    package static func open(
        at vantage: VantagePoint,
        interface: String?,
        towards target: IPv4Address?,
        vlan: UInt16?,
        source: IPv4Address? = nil,
        firstConfigured: Bool = false
    ) throws -> ARPLink {
        if let vlan, !(1...4094).contains(vlan) { throw ARPError(.usage, "VLAN id \(vlan) is not in 1...4094") }
        return try withNetworkNamespace(vantage.namespace) { () throws -> ARPLink in
            let name =
                try interface ?? vantage.interface
                ?? chooseInterface(towards: target, at: vantage, firstConfigured: firstConfigured)
            let addresses: InterfaceSnapshot
            do {
                addresses = try InterfaceSnapshot.read(name)
            } catch let error as SystemError {
                if error.isNoSuchDevice { throw ARPError(.usage, "no interface \(name) at \(vantage.label)") }
                throw error
            }
            let socket = try PacketSocket(
                interface: name,
                protocol: vlan == nil ? EtherType.arp : PacketSocket.allProtocols
            )
            let primary = addresses.ipv4.first
            let network = primary.map { IPv4Network(address: IPv4Address($0.address), prefixLength: $0.prefixLength) }
            let sender = source ?? vantage.sourceIP.map(IPv4Address.init) ?? primary.map { IPv4Address($0.address) }
            return ARPLink(
                label: vantage.label,
                socket: socket,
                mac: MACAddress(addresses.hardwareAddress),
                ip: sender ?? .any,
                network: network,
                vlan: vlan
            )
        }
    }

    /// Sends one frame; returns the monotonic time just before it went to the kernel, the start of a round trip
    /// (on a veth the reply may be processed before `sendto` even returns).
    @discardableResult
    package func send(_ frame: ARPFrame) throws(SystemError) -> UInt64 {
        let bytes = frame.encoded()
        let sentNs = monotonicNanoseconds()
        try socket.send(bytes)
        return sentNs
    }

    /// The next ARP frame on this link's VLAN (or untagged) before `deadlineNs` (monotonic), with its receive time:
    /// the kernel's receive timestamp moved onto the monotonic clock, so a round trip excludes the reader's wake-up.
    package func receive(untilNs deadlineNs: UInt64) throws(SystemError) -> (frame: ARPFrame, receivedNs: UInt64)? {
        try receiveRecord(untilNs: deadlineNs).map { ($0.frame, $0.monotonicNs) }
    }

    /// As `receive`, with the frame as it was on the wire (an offloaded 802.1Q tag put back, as libpcap does) and
    /// its wall-clock receive time, for a capture file of what the link heard.
    package func receiveRecord(untilNs deadlineNs: UInt64) throws(SystemError) -> LinkFrame? {
        while true {
            let now = monotonicNanoseconds()
            guard now < deadlineNs else { return nil }
            guard let received = try socket.receive(timeoutNs: deadlineNs - now, capacity: 2048) else { return nil }
            switch received.direction {
            case .outgoing: continue
            case .otherHost where vlan == nil: continue
            default: break
            }
            guard let frame = ARPFrame(bytes: received.bytes, strippedTCI: received.vlanTag) else { continue }
            guard frame.vlan == vlan else { continue }
            var bytes = received.bytes
            if let tci = received.vlanTag, bytes.count >= 12 {
                bytes.insert(contentsOf: [0x81, 0x00, UInt8(tci >> 8), UInt8(tci & 0xff)], at: 12)
            }
            return LinkFrame(
                frame: frame,
                bytes: bytes,
                monotonicNs: Self.monotonicReceiveTime(received),
                wallNs: received.kernelTimestampNs ?? realtimeNanoseconds(),
                outbound: false
            )
        }
    }
}

/// A frame a link sent or received, as a capture file keeps it.
package struct LinkFrame: Sendable {
    package var frame: ARPFrame
    /// The bytes on the wire.
    package var bytes: [UInt8]
    /// Monotonic time it was sent or received (see `ARPLink.receive`).
    package var monotonicNs: UInt64
    /// Wall-clock time, nanoseconds since the epoch.
    package var wallNs: UInt64
    /// Whether the link sent it.
    package var outbound: Bool
}

extension ARPLink {
    /// The kernel's wall-clock receive stamp as a monotonic time: now minus how long ago the stamp was taken.
    static func monotonicReceiveTime(_ received: ReceivedFrame) -> UInt64 {
        guard let stamp = received.kernelTimestampNs else { return received.receivedNs }
        let wallNow = realtimeNanoseconds()
        let monotonicNow = monotonicNanoseconds()
        let age = wallNow > stamp ? wallNow - stamp : 0
        return min(received.receivedNs, monotonicNow - min(age, monotonicNow))
    }
}

/// The non-loopback interface whose IPv4 network holds `target`, in the calling thread's namespace.
private func chooseInterface(
    towards target: IPv4Address?,
    at vantage: VantagePoint,
    firstConfigured: Bool
) throws -> String {
    if target == nil && firstConfigured {
        for name in try InterfaceSnapshot.interfaceNames() where name != "lo" {
            if let addresses = try? InterfaceSnapshot.read(name), !addresses.ipv4.isEmpty { return name }
        }
    }
    guard let target else { throw ARPError(.usage, "name the interface with -I (at \(vantage.label))") }
    for name in try InterfaceSnapshot.interfaceNames() where name != "lo" {
        guard let addresses = try? InterfaceSnapshot.read(name) else { continue }
        for assignment in addresses.ipv4
        where IPv4Network(address: IPv4Address(assignment.address), prefixLength: assignment.prefixLength).contains(
            target
        ) {
            return name
        }
    }
    throw ARPError(.usage, "no interface at \(vantage.label) has an IPv4 network holding \(target); name one with -I")
}
