internal import CLinuxNet
import Glibc

/// One interface as the calling thread's namespace sees it: hardware address, MTU, up or not, IPv4
/// addresses. Read it inside `withNetworkNamespace` to learn about an interface in another namespace.
public struct InterfaceSnapshot: Sendable, Hashable {
    public var name: String
    /// The 6-byte hardware address.
    public var hardwareAddress: [UInt8]
    public var mtu: Int
    /// IFF_UP: administratively up.
    public var isUp: Bool
    /// IPv4 addresses as 32-bit values, most significant byte first (192.0.2.1 is 0xC000_0201).
    public var ipv4Addresses: [UInt32]

    /// Reads `name` in the calling thread's namespace.
    ///
    /// The corresponding C calls are `ioctl(SIOCGIFHWADDR, SIOCGIFMTU, SIOCGIFFLAGS)` and `getifaddrs`.
    public static func read(_ name: String) throws(SystemError) -> InterfaceSnapshot {
        var facts = CLinuxNet_interface_facts()
        if CLinuxNet_read_interface_facts(name, &facts) != 0 { throw SystemError.current("read interface \(name)") }
        let mac = withUnsafeBytes(of: facts.mac) { Array($0) }
        let addresses = withUnsafeBytes(of: facts.ipv4) { raw in
            (0..<Int(facts.ipv4_count)).map { UInt32(bigEndian: raw.load(fromByteOffset: $0 * 4, as: UInt32.self)) }
        }
        return InterfaceSnapshot(
            name: name,
            hardwareAddress: mac,
            mtu: Int(facts.mtu),
            isUp: facts.flags & Int32(IFF_UP) != 0,
            ipv4Addresses: addresses
        )
    }
}
