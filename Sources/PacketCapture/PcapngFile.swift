import Foundation

/// A pcapng file in memory: one interface block per capture point, then every frame as an enhanced packet
/// block with nanosecond timestamps. Wireshark and `tshark -r` read it; `frame.interface_name` is the
/// interface's name, `frame.interface_description` its description, `frame.comment` a packet's comment,
/// `frame.p2p_dir`/`pcapng.epb.flags` its direction, and the section comment shows in Statistics > Capture File
/// Properties.
package struct PcapngFile: Sendable {
    /// One interface block: a name (lxcdiag uses `node:interface`) and the libpcap link type (1 = Ethernet).
    package struct Interface: Sendable, Hashable {
        package var name: String
        /// `if_description`: what the interface is to the reader (lxcdiag: namespace, role, hop number).
        package var description: String?
        package var linkType: UInt16
        package var snapLength: UInt32

        package init(name: String, description: String? = nil, linkType: UInt16 = 1, snapLength: UInt32 = 2048) {
            self.name = name
            self.description = description
            self.linkType = linkType
            self.snapLength = snapLength
        }
    }

    /// Which way a frame crossed its interface: the `epb_flags` direction bits (inbound 01, outbound 10), the
    /// pcapng form of the kernel's PACKET_HOST/PACKET_OUTGOING.
    package enum Direction: Sendable, Hashable {
        case inbound
        case outbound
    }

    /// What the writer adds to one frame: a comment (`opt_comment`) and its direction (`epb_flags`).
    package struct PacketNote: Sendable, Hashable {
        package var comment: String?
        package var direction: Direction?

        package init(comment: String? = nil, direction: Direction? = nil) {
            self.comment = comment
            self.direction = direction
        }
    }

    /// The section header's comment (lxcdiag: run id, from, to, verdict).
    package var comment: String?
    package private(set) var interfaces: [Interface] = []
    private var packets: [(interface: Int, frame: CapturedFrame, note: PacketNote?)] = []

    package init(comment: String? = nil) { self.comment = comment }

    /// Adds an interface and returns its index for `append`.
    @discardableResult
    package mutating func addInterface(_ interface: Interface) -> Int {
        interfaces.append(interface)
        return interfaces.count - 1
    }

    /// Adds a frame captured on the interface at `interface` (an index from `addInterface`).
    package mutating func append(_ frame: CapturedFrame, interface: Int, note: PacketNote? = nil) {
        precondition(interfaces.indices.contains(interface), "pcapng: unknown interface \(interface)")
        packets.append((interface, frame, note))
    }

    /// The file's bytes (little-endian); frames in timestamp order across interfaces.
    package func encoded() -> [UInt8] {
        var bytes: [UInt8] = []
        // Section header: byte-order magic, version 1.0, section length unknown, the writing application.
        var section: [UInt8] = []
        section.appendLittleEndian(UInt32(0x1A2B_3C4D))
        section.appendLittleEndian(UInt16(1))
        section.appendLittleEndian(UInt16(0))
        section.appendLittleEndian(UInt64.max)
        if let comment { section.appendOption(code: 1, value: Array(comment.utf8)) }
        section.appendOption(code: 4, value: Array("lxcdiag".utf8))
        section.appendOption(code: 0, value: [])
        bytes.appendBlock(type: 0x0A0D_0D0A, body: section)
        for interface in interfaces {
            var body: [UInt8] = []
            body.appendLittleEndian(interface.linkType)
            body.appendLittleEndian(UInt16(0))
            body.appendLittleEndian(interface.snapLength)
            body.appendOption(code: 2, value: Array(interface.name.utf8))
            if let description = interface.description { body.appendOption(code: 3, value: Array(description.utf8)) }
            body.appendOption(code: 9, value: [9])  // if_tsresol: 10^-9 s
            body.appendOption(code: 0, value: [])
            bytes.appendBlock(type: 1, body: body)
        }
        let ordered = packets.enumerated().sorted {
            ($0.element.frame.timestampNs, $0.offset) < ($1.element.frame.timestampNs, $1.offset)
        }
        for (_, packet) in ordered {
            var body: [UInt8] = []
            body.appendLittleEndian(UInt32(packet.interface))
            body.appendLittleEndian(UInt32(truncatingIfNeeded: packet.frame.timestampNs >> 32))
            body.appendLittleEndian(UInt32(truncatingIfNeeded: packet.frame.timestampNs))
            body.appendLittleEndian(UInt32(packet.frame.bytes.count))
            body.appendLittleEndian(UInt32(packet.frame.originalLength))
            body += packet.frame.bytes
            body.padToFourBytes()
            if let note = packet.note, note.comment != nil || note.direction != nil {
                if let comment = note.comment { body.appendOption(code: 1, value: Array(comment.utf8)) }
                if let direction = note.direction {
                    var flags: [UInt8] = []
                    flags.appendLittleEndian(UInt32(direction == .inbound ? 0b01 : 0b10))
                    body.appendOption(code: 2, value: flags)  // epb_flags
                }
                body.appendOption(code: 0, value: [])
            }
            bytes.appendBlock(type: 6, body: body)
        }
        return bytes
    }

    /// Writes the file to `path`, replacing it.
    package func write(to path: String) throws {
        try Data(encoded()).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}

extension [UInt8] {
    fileprivate mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }

    fileprivate mutating func padToFourBytes() {
        while count % 4 != 0 { append(0) }
    }

    fileprivate mutating func appendOption(code: UInt16, value: [UInt8]) {
        appendLittleEndian(code)
        appendLittleEndian(UInt16(value.count))
        append(contentsOf: value)
        padToFourBytes()
    }

    /// A block: type, total length, body, total length again.
    fileprivate mutating func appendBlock(type: UInt32, body: [UInt8]) {
        let length = UInt32(12 + body.count)
        appendLittleEndian(type)
        appendLittleEndian(length)
        append(contentsOf: body)
        appendLittleEndian(length)
    }
}
