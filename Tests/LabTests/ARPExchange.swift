import Foundation
import LinuxNet
import PacketCapture
import PacketCodec

/// One ARP request sent with the project's own AF_PACKET sender, watched with its own libpcap capture.
struct ARPExchange {
    /// Where the request goes out.
    var namespace: NetworkNamespace
    var interface: String
    var senderMAC: MACAddress
    var senderIP: IPv4Address
    var target: IPv4Address

    /// What happened: the reply the sender got (if any), and which observers captured the request.
    struct Outcome {
        var reply: ARPPacket?
        var seenBy: [String: Bool]
    }

    /// Sends the request once and watches for `seconds`: captures run on each observer's interface (in its own
    /// namespace, filtered to this request), a receiving socket on the sender's interface waits for the reply.
    /// Returns early once the reply came and every observer saw the request.
    func run(observers: [String: (NetworkNamespace, String)], seconds: Double = 2) throws -> Outcome {
        let hex = String(target.value, radix: 16)
        let filter =
            "arp and arp[6:2] = 1 and arp[24:4] = 0x\(hex) and arp[14:4] = 0x\(String(senderIP.value, radix: 16))"
        var captures: [String: PacketCapture] = [:]
        for (name, (namespace, interface)) in observers {
            let capture = try withNetworkNamespace(namespace) {
                try PacketCapture(interface: interface, options: CaptureOptions(filter: filter))
            }
            capture.start()
            captures[name] = capture
        }
        defer { for capture in captures.values { capture.stop() } }
        let interface = self.interface
        let socket = try withNetworkNamespace(namespace) {
            try PacketSocket(interface: interface, protocol: EtherType.arp)
        }
        let request = ARPPacket(
            operation: .request,
            senderMAC: senderMAC,
            senderIP: senderIP,
            targetMAC: .zero,
            targetIP: target
        )
        try socket.send(
            EthernetFrame(
                destination: .broadcast,
                source: senderMAC,
                etherType: EtherType.arp,
                payload: request.encoded()
            )
            .encoded()
        )
        var reply: ARPPacket?
        let deadline = monotonicNanoseconds() + UInt64(seconds * 1e9)
        while monotonicNanoseconds() < deadline {
            if reply != nil, captures.values.allSatisfy({ !$0.frames.isEmpty }) { break }
            guard let frame = try socket.receive(timeoutNs: 50_000_000) else { continue }
            guard let ethernet = try? EthernetFrame(decoding: frame.bytes), ethernet.etherType == EtherType.arp,
                let packet = try? ARPPacket(decoding: ethernet.payload)
            else { continue }
            if packet.operation == .reply, packet.senderIP == target, packet.targetIP == senderIP {
                reply = packet
            }
        }
        return Outcome(reply: reply, seenBy: captures.mapValues { !$0.frames.isEmpty })
    }
}
