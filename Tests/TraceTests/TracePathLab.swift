import Foundation
import LinuxNet
import NetworkModel
import PacketCodec
import Trace

/// A small path built by hand for one test, removed when it ends (also on failure):
///
///     ext(eth0) -- p-ext [sw0 switch] p-host -- em1 [br0 host] vct1 -- eth0(ct1)
///                                                           vct2 -- eth0(ct2)
///
/// Every piece is its own namespace `lxcdiag-t<tag>-<part>`; IPv6 is off so nothing but the probes moves.
final class TracePathLab {
    static let extIP = IPv4Address(192, 0, 2, 1)
    static let ct1IP = IPv4Address(192, 0, 2, 20)
    static let ct2IP = IPv4Address(192, 0, 2, 21)
    static let ct3IP = IPv4Address(192, 0, 2, 30)

    let ext: String
    let sw: String
    let host: String
    let ct1: String
    let ct2: String
    /// A macvlan child of br0 (bridge mode), when the lab was made with one.
    let ct3: String?
    private(set) var ct1MAC = MACAddress.zero

    init(macvlan: Bool = false) throws {
        let tag = String(UInt32.random(in: 0..<UInt32.max), radix: 36)
        ext = "lxcdiag-t\(tag)-ext"
        sw = "lxcdiag-t\(tag)-sw"
        host = "lxcdiag-t\(tag)-host"
        ct1 = "lxcdiag-t\(tag)-ct1"
        ct2 = "lxcdiag-t\(tag)-ct2"
        ct3 = macvlan ? "lxcdiag-t\(tag)-ct3" : nil
        do { try build() } catch {
            tearDown()
            throw error
        }
    }

    private func build() throws {
        for ns in namespaces {
            try ExternalCommand.check(["ip", "netns", "add", ns])
            try ExternalCommand.check([
                "ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
                "net.ipv6.conf.default.disable_ipv6=1",
            ])
        }
        try ip(ext, "link", "add", "eth0", "type", "veth", "peer", "name", "p-ext", "netns", sw)
        try ip(sw, "link", "add", "p-host", "type", "veth", "peer", "name", "em1", "netns", host)
        try ip(host, "link", "add", "vct1", "type", "veth", "peer", "name", "eth0", "netns", ct1)
        try ip(host, "link", "add", "vct2", "type", "veth", "peer", "name", "eth0", "netns", ct2)
        try ip(sw, "link", "add", "sw0", "type", "bridge")
        try ip(host, "link", "add", "br0", "type", "bridge")
        for port in ["p-ext", "p-host"] { try ip(sw, "link", "set", port, "master", "sw0") }
        for port in ["em1", "vct1", "vct2"] { try ip(host, "link", "set", port, "master", "br0") }
        try ip(ext, "addr", "add", "\(Self.extIP)/24", "dev", "eth0")
        try ip(ct1, "addr", "add", "\(Self.ct1IP)/24", "dev", "eth0")
        try ip(ct2, "addr", "add", "\(Self.ct2IP)/24", "dev", "eth0")
        let links = [
            (ext, "eth0"), (sw, "p-ext"), (sw, "p-host"), (sw, "sw0"), (host, "em1"), (host, "vct1"),
            (host, "vct2"), (host, "br0"), (ct1, "eth0"), (ct2, "eth0"),
        ]
        for (ns, dev) in links { try ip(ns, "link", "set", dev, "up") }
        if let ct3 {
            try ip(host, "link", "add", "mv3", "link", "br0", "type", "macvlan", "mode", "bridge")
            try ip(host, "link", "set", "mv3", "netns", ct3)
            try ip(ct3, "link", "set", "mv3", "name", "eth0")
            try ip(ct3, "addr", "add", "\(Self.ct3IP)/24", "dev", "eth0")
            try ip(ct3, "link", "set", "eth0", "up")
        }
        ct1MAC = try Tracer().queries.interfaceFacts(.named(ct1), "eth0").mac
        try waitUntilForwarding([(sw, 2), (host, 3)])
    }

    /// Waits (at most 5 s) until every bridge port is forwarding: veth carrier reaches the bridge late.
    func waitUntilForwarding(_ bridges: [(ns: String, ports: Int)]) throws {
        let deadline = monotonicNanoseconds() + 5_000_000_000
        for (ns, ports) in bridges {
            while true {
                let output = try ExternalCommand.check(["bridge", "-n", ns, "-j", "link", "show"])
                let links = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [[String: Any]] ?? []
                let forwarding = links.filter { $0["state"] as? String == "forwarding" }.count
                // The bridge device's own carrier follows its ports a moment later (LINK_DOWN until it does).
                let bridges = links.compactMap { $0["master"] as? String }
                let carrier = try Set(bridges).allSatisfy { bridge in
                    try ExternalCommand.check(["ip", "-n", ns, "link", "show", "dev", bridge]).contains("LOWER_UP")
                }
                if forwarding >= ports, carrier { break }
                if monotonicNanoseconds() > deadline { throw LabTimeout(what: "bridge ports in \(ns) forwarding") }
                usleep(20_000)
            }
        }
    }

    /// Runs `ip -n ns ARGS...`.
    func ip(_ ns: String, _ arguments: String...) throws {
        try ExternalCommand.check(["ip", "-n", ns] + arguments)
    }

    /// Runs a command inside `ns`.
    func exec(_ ns: String, _ arguments: [String], input: String? = nil) throws {
        try ExternalCommand.check(["ip", "netns", "exec", ns] + arguments, input: input)
    }

    var source: ResolvedEndpoint {
        ResolvedEndpoint(
            endpoint: "ext",
            node: ext,
            namespace: .named(ext),
            interface: "eth0",
            ip: Self.extIP,
            mac: nil
        )
    }

    var target: ResolvedEndpoint {
        ResolvedEndpoint(
            endpoint: "ct1",
            node: ct1,
            namespace: .named(ct1),
            interface: "eth0",
            ip: Self.ct1IP,
            mac: ct1MAC
        )
    }

    /// The capture points from ext to ct1, with ct2's port as the side point of br0.
    var hops: [CapturePoint] {
        [
            CapturePoint(node: ext, namespace: .named(ext), interface: "eth0", role: .endpoint),
            CapturePoint(node: sw, namespace: .named(sw), interface: "p-ext", role: .bridgePort),
            CapturePoint(node: sw, namespace: .named(sw), interface: "sw0", role: .bridge),
            CapturePoint(node: sw, namespace: .named(sw), interface: "p-host", role: .bridgePort),
            CapturePoint(node: host, namespace: .named(host), interface: "em1", role: .uplink),
            CapturePoint(node: host, namespace: .named(host), interface: "br0", role: .bridge),
            CapturePoint(node: host, namespace: .named(host), interface: "vct2", role: .bridgePort, isSide: true),
            CapturePoint(node: host, namespace: .named(host), interface: "vct1", role: .veth),
            CapturePoint(node: ct1, namespace: .named(ct1), interface: "eth0", role: .container),
        ]
    }

    func plan(_ options: TraceOptions = TraceOptions()) -> TracePlan {
        TracePlan(source: source, target: target, hops: hops, options: options)
    }

    func label(_ ns: String, _ interface: String) -> String { "\(ns):\(interface)" }

    private var namespaces: [String] { [ext, sw, host, ct1, ct2] + (ct3.map { [$0] } ?? []) }

    func tearDown() {
        for ns in namespaces { _ = try? ExternalCommand.run(["ip", "netns", "del", ns]) }
    }

    deinit { tearDown() }
}

struct LabTimeout: Error, CustomStringConvertible {
    var what: String
    var description: String { "timed out waiting for \(what)" }
}
