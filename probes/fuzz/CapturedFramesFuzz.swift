// libFuzzer entry for what decodes captured frames: Ethernet, IPv4 and ICMP (PacketCodec), the trace's probe
// recognition (`ProbeFrames.classify`, which `ObservationLog.record` runs on every frame a capture sees), and
// the pcapng writer, read back by a reader here. run.sh compiles it in one module with the PacketCodec sources,
// Trace's ProbeFrames.swift, PacketCapture's PcapngFile.swift and `CapturedFrame` cut out of PacketCapture.swift
// (the rest of that file needs CPcap). ObservationLog itself needs LinuxNet's clock and is left out. Imports
// stripped.
import Foundation

/// The run the seeds belong to: classify answers non-nil only for frames carrying this marker and these ends.
private let run = ProbeFrames(
    marker: RunMarker(identifier: 0x4c58, nonce: 0x1d1a_90c5),
    sourceMAC: MACAddress([0x02, 0x00, 0x5e, 0x10, 0x00, 0x01]),
    sourceIP: IPv4Address(198, 51, 100, 1),
    targetIP: IPv4Address(198, 51, 100, 11)
)
private let targetMAC = MACAddress([0x02, 0x00, 0x5e, 0x10, 0x00, 0x0b])

/// With LXCDIAG_FUZZ_SEEDS set, writes this run's probe frames and their replies, untagged and tagged, as built
/// by the real encoders, into that folder before libFuzzer reads its corpus.
@_cdecl("LLVMFuzzerInitialize")
public func writeFrameSeeds(_ argc: UnsafeMutableRawPointer?, _ argv: UnsafeMutableRawPointer?) -> CInt {
    guard let folder = ProcessInfo.processInfo.environment["LXCDIAG_FUZZ_SEEDS"] else { return 0 }
    let arpReply = EthernetFrame(
        destination: run.sourceMAC,
        source: targetMAC,
        etherType: EtherType.arp,
        payload: ARPPacket(
            operation: .reply,
            senderMAC: targetMAC,
            senderIP: run.targetIP,
            targetMAC: run.sourceMAC,
            targetIP: run.sourceIP
        ).encoded()
    ).encoded()
    let request = run.echoRequest(.icmp, size: 84, destinationMAC: targetMAC)
    var seeds: [String: [UInt8]] = [
        "arp-request": run.arpRequest(),
        "arp-reply": arpReply,
        "echo-request": request,
        "echo-request-mtu": run.echoRequest(.icmpMTU, size: 1500, destinationMAC: targetMAC),
    ]
    // The echo reply: what the target's kernel sends back, same ICMP body with the type changed.
    if let frame = try? EthernetFrame(decoding: request), let ip = try? IPv4Packet(decoding: frame.payload),
        let icmp = try? ICMPMessage(decoding: ip.payload)
    {
        let reply = ICMPMessage(
            type: ICMPMessage.echoReply,
            identifier: icmp.identifier,
            sequence: icmp.sequence,
            payload: icmp.payload
        )
        let replyIP = IPv4Packet(
            source: ip.destination,
            destination: ip.source,
            protocolNumber: IPv4Packet.protocolICMP,
            payload: reply.encoded()
        )
        seeds["echo-reply"] =
            EthernetFrame(
                destination: frame.source,
                source: frame.destination,
                etherType: EtherType.ipv4,
                payload: replyIP.encoded()
            ).encoded()
    }
    for (name, bytes) in seeds {
        try! Data(bytes).write(to: URL(fileURLWithPath: "\(folder)/\(name)"))
        if var frame = try? EthernetFrame(decoding: bytes) {
            frame.vlanTags = [VLANTag(id: 211)]
            try! Data(frame.encoded()).write(to: URL(fileURLWithPath: "\(folder)/\(name)-tagged"))
        }
    }
    return 0
}

/// Decodes arbitrary bytes as a captured frame, classifies it for the seeds' run and writes it to pcapng; a
/// crash, a trap, a broken round trip or a misclassified frame is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCapturedFrames(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    if let frame = try? EthernetFrame(decoding: bytes), frame.etherType == EtherType.ipv4 {
        checkIPv4(frame.payload)
    }
    checkIPv4(bytes)
    checkICMP(bytes)
    checkClassification(bytes)
    checkBuiltProbes(bytes)
    checkPcapng(bytes)
    return 0
}

/// An IPv4 packet (and the ICMP message in it) encodes and decodes to itself; options are not re-encoded.
private func checkIPv4(_ bytes: [UInt8]) {
    guard let packet = try? IPv4Packet(decoding: bytes) else { return }
    require(packet.payload.count <= bytes.count - IPv4Packet.headerLength)
    require((try? IPv4Packet(decoding: packet.encoded())) == packet, "IPv4 decode/encode round trip")
    if packet.protocolNumber == IPv4Packet.protocolICMP { checkICMP(packet.payload) }
}

/// Compared decoded, not as bytes: a checksum of 0x0000 and one of 0xffff both verify.
private func checkICMP(_ bytes: [UInt8]) {
    guard let message = try? ICMPMessage(decoding: bytes) else { return }
    require((try? ICMPMessage(decoding: message.encoded())) == message, "ICMP decode/encode round trip")
}

/// A frame classified as one of the run's probes carries the run's mark, and classifies the same once its
/// decoded Ethernet frame is encoded again.
private func checkClassification(_ bytes: [UInt8]) {
    guard let probe = run.classify(bytes) else { return }
    require((probe.direction == .reply) == (probe.answeredBy != nil), "replies say who answered")
    if probe.probe != .arp {
        let ip = try? IPv4Packet(decoding: probe.ethernet.payload)
        let icmp = ip.flatMap { try? ICMPMessage(decoding: $0.payload) }
        require(icmp?.identifier == run.marker.identifier, "an echo probe without the run's identifier")
        require(icmp?.payload.starts(with: run.marker.nonceBytes) == true, "an echo probe without the run's nonce")
    } else if probe.direction == .request, probe.ethernet.vlanTags.isEmpty {
        require(Array(bytes.dropFirst(ProbeFrames.arpNonceOffset).prefix(4)) == run.marker.nonceBytes)
    }
    let again = run.classify(probe.ethernet.encoded())
    require(again?.probe == probe.probe && again?.direction == probe.direction, "classify after re-encoding")
}

/// Probes built for a marker and size taken from the input are recognised by their own run and by no other.
private func checkBuiltProbes(_ bytes: [UInt8]) {
    guard bytes.count >= 8 else { return }
    let identifier = UInt16(bytes[0]) << 8 | UInt16(bytes[1])
    let nonce = bytes[2..<6].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    guard identifier != 0, nonce != 0 else { return }
    let size = 28 + (Int(bytes[6]) << 8 | Int(bytes[7])) % 1473
    let built = ProbeFrames(
        marker: RunMarker(identifier: identifier, nonce: nonce),
        sourceMAC: run.sourceMAC,
        sourceIP: run.sourceIP,
        targetIP: run.targetIP
    )
    let arp = built.arpRequest()
    let echo = built.echoRequest(.icmpMTU, size: size, destinationMAC: targetMAC)
    require(built.classify(arp)?.probe == .arp && built.classify(arp)?.direction == .request)
    require(built.classify(echo)?.probe == .icmpMTU && built.classify(echo)?.direction == .request)
    require(echo.count == max(EthernetFrame.headerLength + max(size, 28 + 4 + 7), EthernetFrame.minimumLength))
    // The ARP request carries only the nonce; echo requests carry the identifier too.
    if built.marker.nonce != run.marker.nonce {
        require(run.classify(arp) == nil, "another run's ARP request taken for ours")
    }
    if built.marker != run.marker {
        require(run.classify(echo) == nil, "another run's echo request taken for ours")
    }
}

/// Frames cut from the input, written to pcapng on two interfaces and read back, come out as they went in,
/// in timestamp order.
private func checkPcapng(_ bytes: [UInt8]) {
    var file = PcapngFile()
    let name = String(decoding: bytes.prefix(24), as: UTF8.self)
    file.addInterface(PcapngFile.Interface(name: "host:" + name))
    file.addInterface(PcapngFile.Interface(name: "ct1:eth0"))
    var frames: [(interface: Int, frame: CapturedFrame)] = []
    var rest = bytes[...]
    while frames.count < 4, rest.count >= 2 {
        let head = rest.removeFirst()
        let length = min(Int(rest.removeFirst()), rest.count)
        let frame = CapturedFrame(
            timestampNs: UInt64(head) << 56 | UInt64(length) << 13,
            bytes: Array(rest.prefix(length)),
            originalLength: length + Int(head)
        )
        rest = rest.dropFirst(length)
        frames.append((Int(head & 1), frame))
        file.append(frame, interface: Int(head & 1))
    }
    let expected = frames.enumerated().sorted {
        ($0.element.frame.timestampNs, $0.offset) < ($1.element.frame.timestampNs, $1.offset)
    }.map(\.element)
    let parsed = PcapngReader(file.encoded())
    require(parsed != nil, "pcapng blocks do not parse")
    guard let read = parsed else { return }
    require(read.interfaces == file.interfaces.map(\.name), "pcapng interface names")
    require(read.packets.count == expected.count, "pcapng packet count")
    for (packet, want) in zip(read.packets, expected) {
        require(packet.interface == want.interface && packet.timestampNs == want.frame.timestampNs)
        require(packet.bytes == want.frame.bytes && packet.originalLength == want.frame.originalLength)
    }
}

/// Reads the little-endian pcapng lxcdiag writes: section header, interface blocks, enhanced packet blocks.
private struct PcapngReader {
    var interfaces: [String] = []
    var packets: [(interface: Int, timestampNs: UInt64, bytes: [UInt8], originalLength: Int)] = []

    init?(_ bytes: [UInt8]) {
        func word(_ at: Int) -> Int {
            Int(bytes[at]) | Int(bytes[at + 1]) << 8 | Int(bytes[at + 2]) << 16 | Int(bytes[at + 3]) << 24
        }
        var offset = 0
        while offset < bytes.count {
            guard offset + 12 <= bytes.count else { return nil }
            let type = word(offset)
            let length = word(offset + 4)
            guard length >= 12, length % 4 == 0, offset + length <= bytes.count, word(offset + length - 4) == length
            else { return nil }
            switch type {
            case 0x0A0D_0D0A:
                guard offset == 0, word(offset + 8) == 0x1A2B_3C4D else { return nil }
            case 1:
                // Options from offset 16: code, length, value padded to 4 bytes; code 2 is if_name.
                var option = offset + 16
                var name: String?
                while option + 4 <= offset + length - 4 {
                    let code = word(option) & 0xffff
                    let size = word(option) >> 16
                    if code == 0 { break }
                    guard option + 4 + size <= offset + length - 4 else { return nil }
                    if code == 2 { name = String(decoding: bytes[(option + 4)..<(option + 4 + size)], as: UTF8.self) }
                    option += 4 + (size + 3) & ~3
                }
                guard let name else { return nil }
                interfaces.append(name)
            case 6:
                guard length >= 32 else { return nil }
                let captured = word(offset + 20)
                guard 28 + captured + 4 <= length else { return nil }
                packets.append(
                    (
                        word(offset + 8),
                        UInt64(word(offset + 12)) << 32 | UInt64(word(offset + 16)),
                        Array(bytes[(offset + 28)..<(offset + 28 + captured)]),
                        word(offset + 24)
                    )
                )
            default:
                return nil
            }
            offset += length
        }
    }
}
