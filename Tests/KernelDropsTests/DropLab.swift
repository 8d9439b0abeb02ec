import Foundation
import LinuxNet
import PacketCodec

/// Two namespaces joined by a veth pair, for one test; removed when it ends (also on failure).
///
/// The interfaces get names unique to the test (`kd<tag>a`, `kd<tag>b`) so a recorder can watch exactly
/// them, and fixed MACs so frames can be built without asking the kernel.
final class DropLab {
    let sender: String
    let receiver: String
    let senderInterface: String
    let receiverInterface: String
    let senderMAC = MACAddress([0x02, 0, 0, 0, 0x0d, 0x0a])
    let receiverMAC = MACAddress([0x02, 0, 0, 0, 0x0d, 0x0b])
    let senderIP = IPv4Address(192, 0, 2, 1)
    let receiverIP = IPv4Address(192, 0, 2, 2)

    init() throws {
        let tag = String(UInt32.random(in: 0..<UInt32.max), radix: 36)
        sender = "lxcdiag-t\(tag)-a"
        receiver = "lxcdiag-t\(tag)-b"
        senderInterface = "kd\(tag)a"
        receiverInterface = "kd\(tag)b"
        do {
            try ExternalCommand.check(["ip", "netns", "add", sender])
            try ExternalCommand.check(["ip", "netns", "add", receiver])
            try ExternalCommand.check([
                "ip", "-n", sender, "link", "add", senderInterface, "address", "\(senderMAC)", "type", "veth",
                "peer", "name", receiverInterface, "address", "\(receiverMAC)", "netns", receiver,
            ])
            try ExternalCommand.check(["ip", "-n", sender, "addr", "add", "\(senderIP)/24", "dev", senderInterface])
            try ExternalCommand.check([
                "ip", "-n", receiver, "addr", "add", "\(receiverIP)/24", "dev", receiverInterface,
            ])
            for (ns, dev) in [(sender, senderInterface), (receiver, receiverInterface), (receiver, "lo")] {
                try ExternalCommand.check(["ip", "-n", ns, "link", "set", dev, "up"])
            }
        } catch {
            tearDown()
            throw error
        }
    }

    /// Runs a command inside the receiving namespace (`nft ...`, `sysctl ...`).
    func inReceiver(_ arguments: [String]) throws {
        try ExternalCommand.check(["ip", "netns", "exec", receiver] + arguments)
    }

    /// An nft input rule in the receiver (table inet lxcdiag_t, chain in) that drops ICMP echo requests.
    func dropEchoRequestsAtInput() throws {
        try inReceiver(["nft", "add", "table", "inet", "lxcdiag_t"])
        try inReceiver([
            "nft", "add", "chain", "inet", "lxcdiag_t", "in", "{ type filter hook input priority 0; policy accept; }",
        ])
        try inReceiver(["nft", "add", "rule", "inet", "lxcdiag_t", "in", "icmp", "type", "echo-request", "drop"])
    }

    /// Sends one IPv4 frame of exactly `frameLength` bytes from the sender's interface through AF_PACKET.
    /// `kind` picks an ICMP echo request or a UDP datagram to port 9 (discard, closed here).
    func send(_ kind: ProbeKind, frameLength: Int, source: IPv4Address? = nil) throws {
        let payloadLength = frameLength - EthernetFrame.headerLength - IPv4Packet.headerLength - 8
        let transport: [UInt8]
        let protocolNumber: UInt8
        switch kind {
        case .icmpEcho:
            transport =
                ICMPMessage(
                    type: ICMPMessage.echoRequest,
                    identifier: 0x6b64,
                    sequence: 1,
                    payload: [UInt8](repeating: 0x78, count: payloadLength)
                ).encoded()
            protocolNumber = IPv4Packet.protocolICMP
        case .udpToClosedPort:
            let length = UInt16(8 + payloadLength)
            // Source port 40000, destination 9, checksum 0 (none), which IPv4 allows.
            transport =
                [0x9c, 0x40, 0x00, 0x09, UInt8(length >> 8), UInt8(length & 0xff), 0, 0]
                + [UInt8](repeating: 0x78, count: payloadLength)
            protocolNumber = 17
        }
        let packet = IPv4Packet(
            source: source ?? senderIP,
            destination: receiverIP,
            protocolNumber: protocolNumber,
            payload: transport
        )
        let frame = EthernetFrame(
            destination: receiverMAC,
            source: senderMAC,
            etherType: EtherType.ipv4,
            payload: packet.encoded()
        ).encoded()
        precondition(frame.count == frameLength, "built \(frame.count) bytes, wanted \(frameLength)")
        let interface = senderInterface
        let socket = try withNetworkNamespace(.named(sender)) { try PacketSocket(interface: interface) }
        // A peer that is down makes the send itself fail (ENOBUFS) after the kernel dropped the frame.
        _ = try? socket.send(frame)
    }

    enum ProbeKind { case icmpEcho, udpToClosedPort }

    func tearDown() {
        _ = try? ExternalCommand.run(["ip", "netns", "del", sender])
        _ = try? ExternalCommand.run(["ip", "netns", "del", receiver])
    }

    deinit { tearDown() }
}
