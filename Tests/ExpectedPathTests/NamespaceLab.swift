import Foundation
import LinuxNet
import Topology

/// The lab's wiring built from real namespaces `lxcdiag-t<random>-{h,e,c1,c2,c3}`: e holds the outside switch sw0
/// with ports to its own eth0 and to h's em1 and em2; h bridges em1, veth-c1 and veth-c2 on br0 (198.51.100.1) and
/// holds em2 (192.0.2.2); c3's eth0 is a bridge-mode macvlan child of br0. Removed in `tearDown`, also on failure.
final class NamespaceLab {
    let prefix: String
    var names: [String] { ["h", "e", "c1", "c2", "c3"].map { "\(prefix)-\($0)" } }

    init() throws {
        prefix = "lxcdiag-t\(String(UInt32.random(in: 0..<UInt32.max), radix: 36))"
        do { try build() } catch {
            tearDown()
            throw error
        }
    }

    private func ip(_ namespace: String, _ arguments: String) throws {
        try ExternalCommand.check(
            ["ip", "-n", "\(prefix)-\(namespace)"] + arguments.split(separator: " ").map(String.init)
        )
    }

    private func build() throws {
        for name in names {
            try ExternalCommand.check(["ip", "netns", "add", name])
            try ExternalCommand.check(["ip", "-n", name, "link", "set", "lo", "up"])
        }
        try ip("e", "link add sw0 type bridge")
        try ip("e", "link add eth0 type veth peer name sw0-p0")
        try ip("e", "link add sw0-p1 type veth peer name em1 netns \(prefix)-h")
        try ip("e", "link add sw0-p2 type veth peer name em2 netns \(prefix)-h")
        for port in ["sw0-p0", "sw0-p1", "sw0-p2"] {
            try ip("e", "link set \(port) master sw0")
            try ip("e", "link set \(port) up")
        }
        try ip("e", "link set sw0 up")
        try ip("e", "link set eth0 up")
        try ip("e", "addr add 192.0.2.1/24 dev eth0")
        try ip("h", "link add br0 type bridge")
        try ip("h", "link set br0 up")
        try ip("h", "link set em1 master br0")
        try ip("h", "link set em1 up")
        try ip("h", "link set em2 up")
        try ip("h", "addr add 192.0.2.2/24 dev em2")
        try ip("h", "addr add 198.51.100.1/24 dev br0")
        for index in [1, 2] {
            try ip("h", "link add veth-c\(index) type veth peer name eth0 netns \(prefix)-c\(index)")
            try ip("h", "link set veth-c\(index) master br0")
            try ip("h", "link set veth-c\(index) up")
            try ip("c\(index)", "link set eth0 up")
            try ip("c\(index)", "addr add 192.0.2.1\(index)/24 dev eth0")
        }
        try ip("h", "link add link br0 name mv3 type macvlan mode bridge")
        try ip("h", "link set mv3 netns \(prefix)-c3")
        try ip("c3", "link set mv3 name eth0")
        try ip("c3", "link set eth0 up")
        try ip("c3", "addr add 192.0.2.13/24 dev eth0")
        try ip("c3", "addr add 198.51.100.13/24 dev eth0")
    }

    /// The lab captured through rtnetlink, with node names host, ext, ct1, ct2, ct3.
    func capture() throws -> HostTopology {
        let nodes: [(String, NodeKind, String)] = [
            ("host", .host, "h"), ("ext", .netns, "e"), ("ct1", .netns, "c1"), ("ct2", .netns, "c2"),
            ("ct3", .netns, "c3"),
        ]
        return try HostTopology.capture(
            nodes.map { TopologyTarget(name: $0.0, kind: $0.1, namespace: .named("\(prefix)-\($0.2)")) }
        )
    }

    func tearDown() {
        for name in names { _ = try? ExternalCommand.run(["ip", "netns", "del", name]) }
    }

    deinit { tearDown() }
}
