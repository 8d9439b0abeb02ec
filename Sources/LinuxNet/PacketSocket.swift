internal import CLinuxNet
import Glibc

/// A frame read from an AF_PACKET socket, with what the kernel said about it.
package struct ReceivedFrame: Sendable {
    /// The frame as the socket delivered it (the kernel strips an offloaded VLAN tag; see `vlanTag`).
    package var bytes: [UInt8]
    /// Monotonic receive time in nanoseconds.
    package var receivedNs: UInt64
    /// The kernel's packet type: host, broadcast, multicast, otherhost or outgoing.
    package var direction: PacketDirection
    /// The 802.1Q TCI (priority, DEI and VLAN id) when the kernel took the tag off.
    package var vlanTag: UInt16?
    /// When the kernel received the frame (wall clock, SO_TIMESTAMPNS), free of the reader's wake-up delay.
    package var kernelTimestampNs: UInt64?
}

/// The kernel's `sll_pkttype`: for whom a received frame was meant.
package enum PacketDirection: Int32, Sendable {
    case host = 0
    case broadcast = 1
    case multicast = 2
    case otherHost = 3
    case outgoing = 4
    case unknown = -1
}

/// An AF_PACKET raw socket bound to one interface, opened in the namespace of the calling thread.
///
/// Open it inside `withNetworkNamespace`; the socket stays in that namespace and may be used from any thread.
/// Safe to share: `send` is a single syscall, and `receive` is meant for one reader at a time (documented).
package final class PacketSocket: @unchecked Sendable {
    /// The Ethernet protocol number for "every protocol".
    package static let allProtocols: UInt16 = 0x0003

    package let interfaceName: String
    package let interfaceIndex: Int32
    private let fd: Int32

    /// Opens a socket on `interface`. With `protocol` 0 the socket only sends and never queues received frames.
    package init(interface: String, protocol: UInt16 = 0) throws(SystemError) {
        try SendingGuard.check("packet socket on \(interface)")
        let index = try Syscall.interfaceIndex(interface)
        let fd = try Syscall.packetSocket(protocol: `protocol`, interface: interface)
        do {
            try Syscall.bindPacket(fd, index: index, protocol: `protocol`, interface: interface)
            if `protocol` != 0 {
                try Syscall.enableAuxiliaryData(fd, interface: interface)
                try Syscall.enableReceiveTimestamps(fd, interface: interface)
            }
        } catch {
            Syscall.close(fd)
            throw error
        }
        self.interfaceName = interface
        self.interfaceIndex = index
        self.fd = fd
    }

    deinit { Syscall.close(fd) }

    /// Sends one complete Ethernet frame (destination MAC first).
    package func send(_ frame: [UInt8]) throws(SystemError) {
        let sent = try Syscall.sendFrame(fd, index: interfaceIndex, frame: frame, interface: interfaceName)
        if sent != frame.count { throw SystemError("short send on \(interfaceName)", code: EMSGSIZE) }
    }

    /// Waits up to `timeoutNs` for one frame; nil when none arrived in time.
    package func receive(timeoutNs: UInt64, capacity: Int = 65_536) throws(SystemError) -> ReceivedFrame? {
        let deadline = monotonicNanoseconds() &+ timeoutNs
        var buffer = [UInt8](repeating: 0, count: capacity)
        while true {
            let now = monotonicNanoseconds()
            if now >= deadline { return nil }
            let waitMs = Int32(clamping: (deadline - now + 999_999) / 1_000_000)
            if try Syscall.waitReadable(fd, timeoutMilliseconds: waitMs) == 0 { continue }
            var info = CLinuxNet_packet_info()
            let count = buffer.withUnsafeMutableBytes { CLinuxNet_packet_recv(fd, $0.baseAddress, capacity, &info) }
            if count < 0 {
                let code = CLinuxNet_errno()
                if code == EAGAIN || code == EINTR { continue }
                throw SystemError("receive on \(interfaceName)", code: code)
            }
            return ReceivedFrame(
                bytes: Array(buffer[0..<min(count, capacity)]),
                receivedNs: monotonicNanoseconds(),
                direction: PacketDirection(rawValue: info.pkttype) ?? .unknown,
                vlanTag: info.vlan_valid != 0 ? info.vlan_tci : nil,
                kernelTimestampNs: info.kernel_time_ns != 0 ? info.kernel_time_ns : nil
            )
        }
    }
}
