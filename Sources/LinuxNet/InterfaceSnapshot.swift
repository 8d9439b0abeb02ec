internal import CLinuxNet
import Glibc

/// One interface as the calling thread's namespace sees it: hardware address, MTU, up or not, IPv4
/// addresses. Read it inside `withNetworkNamespace` to learn about an interface in another namespace
/// (unlike /sys/class/net, which shows the mounter's view).
package struct InterfaceSnapshot: Sendable, Hashable {
    /// An IPv4 address on the interface with its prefix length.
    package struct IPv4Assignment: Sendable, Hashable {
        /// The address, most significant byte first (192.0.2.1 is 0xC000_0201).
        package var address: UInt32
        package var prefixLength: Int
    }

    package var name: String
    /// The 6-byte hardware address.
    package var hardwareAddress: [UInt8]
    package var mtu: Int
    /// IFF_UP: administratively up.
    package var isUp: Bool
    /// The IPv4 addresses in the order the kernel lists them (the primary first).
    package var ipv4: [IPv4Assignment]

    /// IPv4 addresses as 32-bit values, most significant byte first.
    package var ipv4Addresses: [UInt32] { ipv4.map(\.address) }

    /// Reads `name` in the calling thread's namespace.
    ///
    /// The corresponding C calls are `ioctl(SIOCGIFHWADDR, SIOCGIFMTU, SIOCGIFFLAGS)` and `getifaddrs`.
    package static func read(_ name: String) throws(SystemError) -> InterfaceSnapshot {
        var facts = CLinuxNet_interface_facts()
        if CLinuxNet_read_interface_facts(name, &facts) != 0 { throw SystemError.current("read interface \(name)") }
        let mac = withUnsafeBytes(of: facts.mac) { Array($0) }
        let count = Int(facts.ipv4_count)
        let addresses = withUnsafeBytes(of: facts.ipv4) { raw in
            (0..<count).map { UInt32(bigEndian: raw.load(fromByteOffset: $0 * 4, as: UInt32.self)) }
        }
        let masks = withUnsafeBytes(of: facts.ipv4_netmask) { raw in
            (0..<count).map { UInt32(bigEndian: raw.load(fromByteOffset: $0 * 4, as: UInt32.self)) }
        }
        return InterfaceSnapshot(
            name: name,
            hardwareAddress: mac,
            mtu: Int(facts.mtu),
            isUp: facts.flags & Int32(IFF_UP) != 0,
            ipv4: zip(addresses, masks).map { IPv4Assignment(address: $0, prefixLength: $1.nonzeroBitCount) }
        )
    }

    /// The names of every interface in the calling thread's namespace. The corresponding C function is
    /// `if_nameindex`.
    package static func interfaceNames() throws(SystemError) -> [String] {
        var buffer = [CChar](repeating: 0, count: 64 * 1024)
        let used = buffer.withUnsafeMutableBufferPointer { CLinuxNet_interface_names($0.baseAddress, $0.count) }
        if used < 0 { throw SystemError.current("list interfaces") }
        return buffer[0..<used].split(separator: 0).map {
            String(decoding: $0.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }
}
