// libFuzzer entry for the Ethernet/802.1Q and ARP decoders. run.sh compiles it in one module with the
// PacketCodec sources and ARPSuite's ARPFrame.swift (imports stripped), so no package import is needed.

/// Decodes arbitrary bytes as Ethernet, ARP and ARPFrame; a crash, a trap or a broken round trip is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzARPDecoders(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let start else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: start, count: count))
    if let frame = try? EthernetFrame(decoding: bytes) {
        // Encoding what was decoded and decoding it again must give the same header and payload (plus padding).
        let again = try? EthernetFrame(decoding: frame.encoded())
        require(again?.destination == frame.destination && again?.source == frame.source)
        require(again?.vlanTags == frame.vlanTags && again?.etherType == frame.etherType)
        require(again.map { Array($0.payload.prefix(frame.payload.count)) == frame.payload } == true)
    }
    if let packet = try? ARPPacket(decoding: bytes) {
        require(packet.encoded() == Array(bytes.prefix(ARPPacket.length)))
    }
    let tci = bytes.count >= 2 ? UInt16(bytes[0]) << 8 | UInt16(bytes[1]) : nil
    if let frame = ARPFrame(bytes: bytes, strippedTCI: tci) {
        require(frame.vlan == tci.map { $0 & 0x0fff })
        let decoded = ARPFrame(bytes: frame.encoded())
        require(decoded?.packet == frame.packet)
    }
    _ = ARPFrame(bytes: bytes)
    return 0
}
