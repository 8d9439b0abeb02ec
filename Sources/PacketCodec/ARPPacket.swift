/// An ARP packet for IPv4 over Ethernet (RFC 826).
package struct ARPPacket: Sendable, Hashable {
    package static let length = 28

    package enum Operation: UInt16, Sendable {
        case request = 1
        case reply = 2
    }

    package var operation: Operation
    package var senderMAC: MACAddress
    package var senderIP: IPv4Address
    package var targetMAC: MACAddress
    package var targetIP: IPv4Address

    package init(
        operation: Operation,
        senderMAC: MACAddress,
        senderIP: IPv4Address,
        targetMAC: MACAddress,
        targetIP: IPv4Address
    ) {
        self.operation = operation
        self.senderMAC = senderMAC
        self.senderIP = senderIP
        self.targetMAC = targetMAC
        self.targetIP = targetIP
    }

    /// A probe in the sense of RFC 5227: sender address 0.0.0.0, asking who holds `address`.
    package var isProbe: Bool { operation == .request && senderIP == .any }

    /// A gratuitous ARP: the sender announces its own address (request or reply form).
    package var isGratuitous: Bool { senderIP == targetIP && senderIP != .any }

    package func encoded() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.length)
        bytes.appendBigEndian(UInt16(1))  // hardware type: Ethernet
        bytes.appendBigEndian(EtherType.ipv4)
        bytes += [6, 4]
        bytes.appendBigEndian(operation.rawValue)
        bytes += senderMAC.bytes + senderIP.bytes + targetMAC.bytes + targetIP.bytes
        return bytes
    }

    package init(decoding bytes: some Collection<UInt8>) throws(DecodeError) {
        var reader = ByteReader(ArraySlice(bytes))
        let hardware = try reader.uint16("ARP hardware type")
        let protocolType = try reader.uint16("ARP protocol type")
        let hardwareLength = try reader.uint8("ARP hardware length")
        let protocolLength = try reader.uint8("ARP protocol length")
        guard hardware == 1, protocolType == EtherType.ipv4, hardwareLength == 6, protocolLength == 4 else {
            throw DecodeError("not IPv4-over-Ethernet ARP (htype \(hardware), ptype \(protocolType))")
        }
        let code = try reader.uint16("ARP operation")
        guard let operation = Operation(rawValue: code) else { throw DecodeError("unknown ARP operation \(code)") }
        self.operation = operation
        senderMAC = MACAddress(Array(try reader.take(6, "ARP sender MAC")))
        senderIP = IPv4Address(bytes: try reader.take(4, "ARP sender IP"))
        targetMAC = MACAddress(Array(try reader.take(6, "ARP target MAC")))
        targetIP = IPv4Address(bytes: try reader.take(4, "ARP target IP"))
    }
}
