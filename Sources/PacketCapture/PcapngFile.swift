import Foundation
package import LinuxNet

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
        var bytes = PcapngBlocks.sectionHeader(comment: comment)
        for interface in interfaces { bytes += PcapngBlocks.interfaceDescription(interface) }
        let ordered = packets.enumerated().sorted {
            ($0.element.frame.timestampNs, $0.offset) < ($1.element.frame.timestampNs, $1.offset)
        }
        for (_, packet) in ordered {
            bytes += PcapngBlocks.enhancedPacket(packet.frame, interface: packet.interface, note: packet.note)
        }
        return bytes
    }

    /// Writes the file to `path`, replacing it.
    package func write(to path: String) throws {
        try Data(encoded()).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}

/// The three pcapng blocks lxcdiag writes, little-endian, shared by the in-memory file and the streaming writer.
enum PcapngBlocks {
    /// Section header: byte-order magic, version 1.0, section length unknown, the comment, the writing application.
    static func sectionHeader(comment: String?) -> [UInt8] {
        var section: [UInt8] = []
        section.appendLittleEndian(UInt32(0x1A2B_3C4D))
        section.appendLittleEndian(UInt16(1))
        section.appendLittleEndian(UInt16(0))
        section.appendLittleEndian(UInt64.max)
        if let comment { section.appendOption(code: 1, value: Array(comment.utf8)) }
        section.appendOption(code: 4, value: Array("lxcdiag".utf8))
        section.appendOption(code: 0, value: [])
        var bytes: [UInt8] = []
        bytes.appendBlock(type: 0x0A0D_0D0A, body: section)
        return bytes
    }

    /// Interface description: link type, snap length, name, description, nanosecond timestamps.
    static func interfaceDescription(_ interface: PcapngFile.Interface) -> [UInt8] {
        var body: [UInt8] = []
        body.appendLittleEndian(interface.linkType)
        body.appendLittleEndian(UInt16(0))
        body.appendLittleEndian(interface.snapLength)
        body.appendOption(code: 2, value: Array(interface.name.utf8))
        if let description = interface.description { body.appendOption(code: 3, value: Array(description.utf8)) }
        body.appendOption(code: 9, value: [9])  // if_tsresol: 10^-9 s
        body.appendOption(code: 0, value: [])
        var bytes: [UInt8] = []
        bytes.appendBlock(type: 1, body: body)
        return bytes
    }

    /// Enhanced packet: interface index, nanosecond timestamp, lengths, bytes, comment and direction flags.
    static func enhancedPacket(_ frame: CapturedFrame, interface: Int, note: PcapngFile.PacketNote?) -> [UInt8] {
        var body: [UInt8] = []
        body.appendLittleEndian(UInt32(interface))
        body.appendLittleEndian(UInt32(truncatingIfNeeded: frame.timestampNs >> 32))
        body.appendLittleEndian(UInt32(truncatingIfNeeded: frame.timestampNs))
        body.appendLittleEndian(UInt32(frame.bytes.count))
        body.appendLittleEndian(UInt32(frame.originalLength))
        body += frame.bytes
        body.padToFourBytes()
        if let note, note.comment != nil || note.direction != nil {
            if let comment = note.comment { body.appendOption(code: 1, value: Array(comment.utf8)) }
            if let direction = note.direction {
                var flags: [UInt8] = []
                flags.appendLittleEndian(UInt32(direction == .inbound ? 0b01 : 0b10))
                body.appendOption(code: 2, value: flags)  // epb_flags
            }
            body.appendOption(code: 0, value: [])
        }
        var bytes: [UInt8] = []
        bytes.appendBlock(type: 6, body: body)
        return bytes
    }
}

/// A pcapng file written as frames arrive, for captures too long to hold in memory (`arp scan -W` of a /16):
/// the section and interface blocks when opened, then one block per `append`. The file is created (replacing
/// one) when opened, so an unwritable path fails before anything is sent.
/// Safe to share: every write happens under `lock`.
package final class PcapngWriter: @unchecked Sendable {
    private let file: FileDescriptor
    private let lock = NSLock()
    private let interfaceCount: Int
    private var failure: SystemError?

    /// Creates `path` (mode 0644, replacing a file there) and writes the section and interface blocks.
    package init(path: String, comment: String?, interfaces: [PcapngFile.Interface]) throws(SystemError) {
        file = try FileDescriptor.open(path, flags: O_WRONLY | O_CREAT | O_TRUNC)
        interfaceCount = interfaces.count
        var header = PcapngBlocks.sectionHeader(comment: comment)
        for interface in interfaces { header += PcapngBlocks.interfaceDescription(interface) }
        try file.write(header, "write \(path)")
    }

    /// Appends one frame on the interface at `interface`. A failed write is kept for `close` to throw, so a
    /// full disk does not stop the work being recorded.
    package func append(_ frame: CapturedFrame, interface: Int, note: PcapngFile.PacketNote? = nil) {
        precondition((0..<interfaceCount).contains(interface), "pcapng: unknown interface \(interface)")
        let block = PcapngBlocks.enhancedPacket(frame, interface: interface, note: note)
        lock.withLock {
            guard failure == nil else { return }
            do throws(SystemError) { try file.write(block) } catch { failure = error }
        }
    }

    /// Closes the file; throws the first write that failed.
    package func close() throws(SystemError) {
        let failed = lock.withLock { failure }
        file.close()
        if let failed { throw failed }
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
