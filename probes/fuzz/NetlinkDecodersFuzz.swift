// libFuzzer entry for the rtnetlink decoders. run.sh compiles it in one module with the PacketCodec and Netlink
// sources (NetlinkSocket.swift left out: it needs CLinuxNet; its one-line `errnoName` is extracted), Topology's
// Decoding and Model folders, and Capture/NamespaceDump.swift without its socket initializer. Imports stripped.
import Foundation

/// A dump whose five replies are all `reply`: each table decoder picks the messages of its own type.
extension NamespaceDump {
    init(everyTable reply: DumpReply) {
        links = reply
        addresses = reply
        routes = reply
        neighbours = reply
        fdb = reply
    }
}

/// With LXCDIAG_FUZZ_SEEDS set, writes the replies the fixtures lack into that folder before libFuzzer reads its
/// corpus: an NLMSG_ERROR as the kernel sends it (-EOPNOTSUPP, the echoed request header, NLMSGERR_ATTR_MSG)
/// and an acknowledgement.
@_cdecl("LLVMFuzzerInitialize")
public func writeNetlinkSeeds(_ argc: UnsafeMutableRawPointer?, _ argv: UnsafeMutableRawPointer?) -> CInt {
    guard let folder = ProcessInfo.processInfo.environment["LXCDIAG_FUZZ_SEEDS"] else { return 0 }
    let request = DumpRequest.links.message(sequence: 5)
    var payload: [UInt8] = [0xA1, 0xFF, 0xFF, 0xFF]
    payload += Array(request.encoded.prefix(RouteNetlink.headerLength))
    var ack = AttributeEncoder()
    ack.append(1, Array("Unknown device type".utf8) + [0])
    payload += ack.bytes
    let error = NetlinkMessage(type: RouteNetlink.error, flags: 0x100 | 0x200, sequence: 5, payload: payload)
    let acknowledgement = NetlinkMessage(type: RouteNetlink.error, flags: 0x100, sequence: 5, payload: [0, 0, 0, 0])
    for (name, message) in [("error-reply", error), ("acknowledgement", acknowledgement)] {
        try! Data(message.encoded).write(to: URL(fileURLWithPath: "\(folder)/\(name)"))
    }
    return 0
}

/// Decodes arbitrary bytes as a recorded dump, as bare message payloads and as an attribute list; a crash, a
/// trap, a decoder error other than `NetlinkError` or a broken round trip is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNetlinkDecoders(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    checkMessages(bytes)
    checkAttributes(bytes[...])
    // The payload decoders also take the bytes as a payload of their own (no nlmsghdr in front).
    _ = try? LinkMessage(payload: bytes)
    _ = try? AddressMessage(payload: bytes)
    _ = try? RouteMessage(payload: bytes)
    _ = try? NeighbourMessage(payload: bytes)
    let reply: DumpReply
    do {
        reply = try DumpReply(recorded: bytes)
    } catch {
        // A kernel error (NLMSG_ERROR) is reported in the user's words.
        require(error.message.hasPrefix("malformed netlink reply") || error.message.hasPrefix("rtnetlink"))
        return 0
    }
    require(reply.bytes == bytes)
    let links = try? reply.links()
    _ = try? reply.addresses()
    _ = try? reply.routes()
    _ = try? reply.neighbours()
    let node = NetworkNode(name: "fuzz", kind: .netns)
    guard let snapshot = try? NamespaceSnapshot(node: node, dump: NamespaceDump(everyTable: reply)) else {
        return 0
    }
    // A snapshot holds every link message, in index order, and survives the JSON round trip `topo --json` makes.
    require(links.map { $0.map(\.index).sorted() } == snapshot.links.map(\.index))
    let data = try? JSONEncoder().encode(snapshot)
    require(data != nil, "a decoded snapshot does not encode")
    let decoded = data.flatMap { try? JSONDecoder().decode(NamespaceSnapshot.self, from: $0) }
    require(decoded == snapshot, "NamespaceSnapshot JSON round trip")
    return 0
}

/// Splitting, encoding the messages again and splitting that gives the same messages.
private func checkMessages(_ bytes: [UInt8]) {
    guard let messages = try? NetlinkMessage.split(bytes) else { return }
    let again = try? NetlinkMessage.split(messages.flatMap(\.encoded))
    require(again == messages, "NetlinkMessage split/encode round trip")
}

/// Parsing an attribute list, encoding it again and parsing that gives the same attributes; nested lookups
/// throw or parse.
private func checkAttributes(_ bytes: ArraySlice<UInt8>) {
    guard let attributes = try? NetlinkAttributes(bytes) else { return }
    var encoder = AttributeEncoder()
    for entry in attributes.entries { encoder.append(entry.type, entry.value) }
    let again = try? NetlinkAttributes(encoder.bytes[...])
    require(again == attributes, "NetlinkAttributes parse/encode round trip")
    for entry in attributes.entries.prefix(8) {
        _ = try? attributes.nested(entry.type)
        _ = attributes.string(entry.type)
        _ = attributes.bigEndianUInt16(entry.type)
        _ = attributes.int32(entry.type)
    }
}
