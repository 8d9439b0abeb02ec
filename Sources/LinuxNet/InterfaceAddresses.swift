internal import CLinuxNet
import Glibc

/// The link-layer and IPv4 addresses of one interface, read in the namespace of the calling thread.
///
/// Read them inside `withNetworkNamespace`: the ioctls answer for the caller's namespace, unlike
/// /sys/class/net, which shows the mounter's view.
public struct InterfaceAddresses: Sendable, Hashable {
    public var interface: String
    /// The six bytes of the hardware address.
    public var hardwareAddress: [UInt8]
    /// The primary IPv4 address in host byte order, nil when the interface has none.
    public var ipv4: UInt32?
    /// The IPv4 netmask in host byte order, nil when the interface has no IPv4 address.
    public var ipv4Netmask: UInt32?

    /// Reads the addresses of `interface`. The corresponding C calls are `ioctl(SIOCGIFHWADDR)`,
    /// `ioctl(SIOCGIFADDR)` and `ioctl(SIOCGIFNETMASK)`.
    public static func read(_ interface: String) throws(SystemError) -> InterfaceAddresses {
        var mac = [UInt8](repeating: 0, count: 6)
        let status = mac.withUnsafeMutableBufferPointer { CLinuxNet_interface_hwaddr(interface, $0.baseAddress) }
        if status != 0 { throw SystemError.current("read the MAC address of \(interface)") }
        var address: UInt32 = 0
        var netmask: UInt32 = 0
        if CLinuxNet_interface_ipv4(interface, &address, &netmask) == 0 {
            return InterfaceAddresses(interface: interface, hardwareAddress: mac, ipv4: address, ipv4Netmask: netmask)
        }
        let code = CLinuxNet_errno()
        guard code == EADDRNOTAVAIL else { throw SystemError("read the IPv4 address of \(interface)", code: code) }
        return InterfaceAddresses(interface: interface, hardwareAddress: mac, ipv4: nil, ipv4Netmask: nil)
    }

    /// The names of every interface in the calling thread's namespace. The corresponding C function is
    /// `if_nameindex`.
    public static func interfaceNames() throws(SystemError) -> [String] {
        var buffer = [CChar](repeating: 0, count: 64 * 1024)
        let used = buffer.withUnsafeMutableBufferPointer { CLinuxNet_interface_names($0.baseAddress, $0.count) }
        if used < 0 { throw SystemError.current("list interfaces") }
        return buffer[0..<used].split(separator: 0).map {
            String(decoding: $0.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }
}
