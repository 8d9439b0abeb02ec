import Foundation
import LinuxNet
import PacketCodec

/// A bridge in a namespace of its own with namespaces hanging off it by veth pairs, made for one test and
/// removed when it ends (also on failure). Addresses are from 198.51.100.0/24 and 203.0.113.0/24.
final class ARPLab {
    let prefix: String
    private(set) var namespaces: [String] = []

    init() throws {
        prefix = "lxcdiag-t" + String(UInt32.random(in: 0..<UInt32.max), radix: 36)
        do {
            try create("br")
            try ip("br", "link", "add", "br0", "type", "bridge")
            try ip("br", "link", "set", "br0", "up")
        } catch {
            tearDown()
            throw error
        }
    }

    /// The full namespace name of lab node `name`.
    func namespace(_ name: String) -> String { "\(prefix)-\(name)" }

    /// Adds node `name` with one interface per address (eth0, eth1, …) on the bridge; returns its namespace.
    @discardableResult
    func addNode(_ name: String, addresses: [String]) throws -> String {
        try create(name)
        for (index, address) in addresses.enumerated() {
            let port = "p\(namespaces.count)x\(index)"
            let device = "eth\(index)"
            try ExternalCommand.check([
                "ip", "-n", namespace("br"), "link", "add", port, "type", "veth", "peer", "name", device, "netns",
                namespace(name),
            ])
            try ip("br", "link", "set", port, "master", "br0", "up")
            if !address.isEmpty { try ip(name, "addr", "add", address, "dev", device) }
            try ip(name, "link", "set", device, "up")
        }
        return namespace(name)
    }

    /// The MAC of `device` in node `name`, read inside its namespace.
    func mac(of name: String, _ device: String = "eth0") throws -> MACAddress {
        let addresses = try withNetworkNamespace(.named(namespace(name))) { try InterfaceSnapshot.read(device) }
        return MACAddress(addresses.hardwareAddress)
    }

    /// Runs `ip -n NODE ARGS…`.
    func ip(_ name: String, _ arguments: String...) throws {
        try ExternalCommand.check(["ip", "-n", namespace(name)] + arguments)
    }

    private func create(_ name: String) throws {
        try ExternalCommand.check(["ip", "netns", "add", namespace(name)])
        namespaces.append(namespace(name))
        try ip(name, "link", "set", "lo", "up")
    }

    func tearDown() {
        for name in namespaces.reversed() { _ = try? ExternalCommand.run(["ip", "netns", "del", name]) }
        namespaces = []
    }

    deinit { tearDown() }
}
