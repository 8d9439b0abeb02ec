/// One netlink message: the `nlmsghdr` fields and the payload after the header.
package struct NetlinkMessage: Sendable, Hashable {
    /// nlmsg_type: RTM_* or NLMSG_DONE/NLMSG_ERROR.
    package var type: UInt16
    /// nlmsg_flags: NLM_F_*.
    package var flags: UInt16
    /// nlmsg_seq: ties a reply to its request.
    package var sequence: UInt32
    /// nlmsg_pid: 0 for messages from the kernel.
    package var portID: UInt32
    /// The bytes after the 16-byte header, without trailing alignment padding.
    package var payload: [UInt8]

    /// A message with the given header fields and payload.
    package init(type: UInt16, flags: UInt16, sequence: UInt32, portID: UInt32 = 0, payload: [UInt8]) {
        self.type = type
        self.flags = flags
        self.sequence = sequence
        self.portID = portID
        self.payload = payload
    }

    /// Splits one datagram (or a recorded file of concatenated datagrams) into its messages.
    package static func split(_ bytes: [UInt8]) throws(NetlinkError) -> [NetlinkMessage] {
        var messages: [NetlinkMessage] = []
        var offset = 0
        while offset + RouteNetlink.headerLength <= bytes.count {
            let length = Int(bytes.loadUInt32(at: offset))
            guard length >= RouteNetlink.headerLength, offset + length <= bytes.count else {
                throw .truncated("message at offset \(offset) (length \(length), \(bytes.count - offset) bytes left)")
            }
            messages.append(
                NetlinkMessage(
                    type: bytes.loadUInt16(at: offset + 4),
                    flags: bytes.loadUInt16(at: offset + 6),
                    sequence: bytes.loadUInt32(at: offset + 8),
                    portID: bytes.loadUInt32(at: offset + 12),
                    payload: Array(bytes[(offset + RouteNetlink.headerLength)..<(offset + length)])
                )
            )
            offset += alignedLength(length)
        }
        return messages
    }

    /// The message as bytes, header included, padded to a 4-byte boundary.
    package var encoded: [UInt8] {
        var bytes: [UInt8] = []
        let length = RouteNetlink.headerLength + payload.count
        bytes.appendNative(UInt32(length))
        bytes.appendNative(type)
        bytes.appendNative(flags)
        bytes.appendNative(sequence)
        bytes.appendNative(portID)
        bytes += payload
        bytes += [UInt8](repeating: 0, count: alignedLength(length) - length)
        return bytes
    }

    /// For an NLMSG_ERROR message: the kernel's errno (0 for an acknowledgement).
    var errorCode: Int32? {
        guard type == RouteNetlink.error, payload.count >= 4 else { return nil }
        // Wrapping: a damaged reply may carry INT32_MIN, whose negation does not fit.
        return 0 &- Int32(bitPattern: payload.loadUInt32(at: 0))
    }
}

/// NLMSG_ALIGN and RTA_ALIGN: lengths round up to 4 bytes.
func alignedLength(_ length: Int) -> Int { (length + 3) & ~3 }

extension Array where Element == UInt8 {
    /// Reads a host-order integer at `offset`; the caller has checked the bounds.
    func loadUInt32(at offset: Int) -> UInt32 {
        withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self) }
    }

    func loadUInt16(at offset: Int) -> UInt16 {
        withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: UInt16.self) }
    }

    /// Appends a host-order integer, as netlink headers and most attributes carry them.
    mutating func appendNative<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value) { append(contentsOf: $0) }
    }
}
