internal import CLinuxNet
import Foundation
import Glibc

/// A frame read from a `CaptureSocket`, with the interface it passed and its direction there.
package struct InterfaceFrame: Sendable {
    /// The interface index (in the socket's namespace) the frame was received on or sent out of.
    package var interfaceIndex: Int32
    package var direction: PacketDirection
    /// The frame as the kernel wrote it into the ring (cut to the ring's frame size); an offloaded 802.1Q tag is
    /// in `vlanTag`, not in the bytes.
    package var bytes: [UInt8]
    /// The frame's full length (before the cut).
    package var length: Int
    package var vlanTag: UInt16?
    /// The tag's protocol identifier (0x8100, 0x88a8) when `vlanTag` is set.
    package var vlanProtocol: UInt16
    /// When the kernel saw the frame (wall clock, ns), as the ring's frame header says.
    package var timestampNs: UInt64
}

/// One classic BPF instruction, as `SO_ATTACH_FILTER` and libpcap's `bpf_insn` both lay it out.
package struct BPFInstruction: Sendable, Hashable {
    package var code: UInt16
    package var jumpIfTrue: UInt8
    package var jumpIfFalse: UInt8
    package var operand: UInt32

    package init(code: UInt16, jumpIfTrue: UInt8, jumpIfFalse: UInt8, operand: UInt32) {
        self.code = code
        self.jumpIfTrue = jumpIfTrue
        self.jumpIfFalse = jumpIfFalse
        self.operand = operand
    }
}

/// An AF_PACKET socket bound to no interface: it receives the frames of every interface of the namespace it
/// was opened in, each with its interface index and direction, that its kernel filter accepts.
///
/// One such socket per namespace captures every hop there, however many ports the namespace's bridges have.
/// Frames come through a TPACKET_V2 ring, as libpcap's do: the kernel stamps each when it passes (a socket's
/// SO_TIMESTAMPNS would stamp at `recvmsg` whenever the kernel's timestamping was still switched off).
/// It never sends (so `SendingGuard` does not apply) and never changes an interface's promiscuity.
/// Safe to share: `receive` is meant for one reader thread (the ring's read position is its own); the ring is
/// unmapped and the descriptor closed in `deinit`.
package final class CaptureSocket: @unchecked Sendable {
    private let fd: Int32
    private var ring: CLinuxNet_packet_ring
    private let countersLock = NSLock()
    private var accepted: UInt64 = 0
    private var dropped: UInt64 = 0

    /// Opens the socket in the calling thread's namespace with `filter` attached before it receives anything,
    /// and a ring of about `ringBytes` for frames of up to `frameBytes` captured bytes.
    ///
    /// The socket is opened for no protocol, given the filter and the ring, and only then bound to every
    /// protocol on every interface, so no frame the filter would refuse is queued in between. The corresponding
    /// C functions are `socket(AF_PACKET, SOCK_RAW, 0)`, `setsockopt(SO_ATTACH_FILTER, PACKET_VERSION,
    /// PACKET_RX_RING)`, `mmap` and `bind`.
    package init(filter: [BPFInstruction], frameBytes: Int, ringBytes: Int) throws(SystemError) {
        guard !filter.isEmpty, filter.count <= Int(UInt16.max) else {
            throw SystemError("attach a capture filter of \(filter.count) instructions", code: EINVAL)
        }
        let what = "the namespace's capture socket"
        let fd = try Syscall.packetSocket(protocol: 0, interface: "every interface")
        var ring = CLinuxNet_packet_ring()
        do {
            _ = try retryingOnInterrupt("attach the capture filter to \(what)") {
                filter.withUnsafeBufferPointer { CLinuxNet_attach_filter(fd, $0.baseAddress, UInt16(filter.count)) }
            }
            _ = try retryingOnInterrupt("set up the receive ring of \(what)") {
                CLinuxNet_packet_ring_setup(fd, UInt32(clamping: frameBytes), ringBytes, &ring)
            }
            try Syscall.bindPacket(fd, index: 0, protocol: PacketSocket.allProtocols, interface: "every interface")
        } catch {
            CLinuxNet_packet_ring_release(&ring)
            Syscall.close(fd)
            throw error
        }
        self.fd = fd
        self.ring = ring
    }

    deinit {
        CLinuxNet_packet_ring_release(&ring)
        Syscall.close(fd)
    }

    /// Waits until a frame is in the ring (`.readable`), `wake` is signalled, or the timeout passes.
    package func wait(wake: WakePipe, timeoutMilliseconds: Int32) throws(SystemError) -> WakePipe.WaitResult {
        try wake.wait(for: fd, timeoutMilliseconds: timeoutMilliseconds)
    }

    /// The frames the kernel filter accepted for this socket since it opened, and how many of them it dropped
    /// because the ring was full: each accepted frame is in the ring (or dropped) as soon as it crosses its
    /// interface. The corresponding C function is `getsockopt(PACKET_STATISTICS)`.
    package func statistics() -> (accepted: UInt64, dropped: UInt64) {
        countersLock.withLock {
            var packets: UInt32 = 0
            var drops: UInt32 = 0
            if CLinuxNet_packet_statistics(fd, &packets, &drops) == 0 {
                accepted += UInt64(packets)
                dropped += UInt64(drops)
            }
            return (accepted, dropped)
        }
    }

    /// Takes the next frame out of the ring, cut to `buffer`'s size; nil when the ring holds none.
    package func receive(into buffer: inout [UInt8]) -> InterfaceFrame? {
        var info = CLinuxNet_packet_info()
        let capacity = buffer.count
        let count = buffer.withUnsafeMutableBytes { CLinuxNet_packet_ring_next(&ring, $0.baseAddress, capacity, &info) }
        guard count >= 0 else { return nil }
        return InterfaceFrame(
            interfaceIndex: info.ifindex,
            direction: PacketDirection(rawValue: info.pkttype) ?? .unknown,
            bytes: Array(buffer[0..<count]),
            length: max(info.frame_length, count),
            vlanTag: info.vlan_valid != 0 ? info.vlan_tci : nil,
            vlanProtocol: info.vlan_tpid,
            timestampNs: info.kernel_time_ns
        )
    }

    /// An interface's index and whether it is up, in the calling thread's namespace (two ioctls, no address
    /// listing: cheap for a namespace with a thousand interfaces).
    ///
    /// The corresponding C functions are `ioctl(SIOCGIFINDEX)` and `ioctl(SIOCGIFFLAGS)`.
    package static func interfaceState(_ name: String) throws(SystemError) -> (index: Int32, isUp: Bool) {
        var index: Int32 = 0
        var flags: Int32 = 0
        _ = try retryingOnInterrupt("find interface \(name)") {
            CLinuxNet_interface_index_and_flags(name, &index, &flags)
        }
        return (index, flags & Int32(IFF_UP) != 0)
    }
}
