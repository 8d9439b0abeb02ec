import Foundation
import LinuxNet
import NetworkModel
import PacketCodec
import Testing
import Trace

/// A bridge with many side ports: the ones that saw only the broadcast ARP request are counted, not listed.
@Suite("Side ports of a large bridge: counted when quiet, listed when they saw something (no root)")
struct QuietSidePortsTests {
    /// The synthetic path with `count` more side ports of host:br0 (indices 6...), all seeing the ARP request.
    private func trace(extraSidePorts count: Int) -> SyntheticTrace {
        var trace = SyntheticTrace()
        trace.hops[4].bridge = "host:br0"
        for port in 1...count {
            trace.hops.append(
                CapturePoint(
                    node: "host",
                    namespace: .current,
                    interface: "sp\(port)",
                    role: .veth,
                    isSide: true,
                    bridge: "host:br0"
                )
            )
        }
        trace.seeHealthyPath()
        trace.see(.arp, .request, at: Array(6..<(6 + count)))
        return trace
    }

    @Test("quiet side ports past three collapse into one line; a port that saw a flooded echo is listed by name")
    func collapsedText() throws {
        var trace = trace(extraSidePorts: 6)
        // sp4 (index 9) also got the small echo request: flooded, so it is listed.
        trace.see(.icmp, .request, at: [9])
        let text = TraceTextRenderer(colour: false).render(trace.report())
        let lines = text.split(separator: "\n").map(String.init)
        #expect(
            lines.contains(
                "(side) 6 other ports of host:br0: none saw the probes (only the ARP broadcast every port gets)"
            )
        )
        #expect(lines.contains { $0.hasPrefix("(side) host:sp4 ") && $0.contains("→ ·       → ·") })
        for port in ["vct2", "sp1", "sp2", "sp3", "sp5", "sp6"] {
            #expect(!lines.contains { $0.hasPrefix("(side) host:\(port) ") }, "\(port) is counted, not listed")
        }
        #expect(text.contains("unicast-flooded at host:sp4"))
    }

    @Test("three quiet side ports or fewer are listed one row each, as before")
    func fewAreListed() {
        let text = TraceTextRenderer(colour: false).render(trace(extraSidePorts: 2).report())
        for port in ["vct2", "sp1", "sp2"] { #expect(text.contains("(side) host:\(port) ")) }
        #expect(!text.contains("other ports of"))
    }

    @Test("JSON keeps every side port that saw something, and counts the quiet ones per bridge")
    func collapsedJSON() throws {
        var trace = trace(extraSidePorts: 6)
        trace.see(.icmp, .reply, at: [7])  // sp2 got a reply meant for ext: misdelivered
        let json = try #require(
            try JSONSerialization.jsonObject(with: trace.report().jsonDocument()) as? [String: Any]
        )
        let quiet = try #require(json["quiet_side_ports"] as? [[String: Any]])
        #expect(quiet.count == 1)
        #expect(quiet.first?["bridge"] as? String == "host:br0")
        #expect(quiet.first?["count"] as? Int == 6)
        for probe in try #require(json["probes"] as? [[String: Any]]) {
            let hops = try #require(probe["hops"] as? [[String: Any]])
            #expect(hops.map { $0["interface"] as? String } == ["eth0", "em1", "br0", "vct1", "eth0", "sp2"])
        }
    }
}

/// A real bridge with 50 more side ports (peers in a namespace of their own) besides the hand-built path.
@Suite(
    "Trace through a bridge with 50 side ports: one capture per namespace, frames attributed by interface index",
    .enabled(if: getuid() == 0, "builds namespaces (root)"),
    .serialized
)
struct ManySidePortsTests {
    static let sidePorts = 50

    /// The lab, its peers namespace, and the plan with every port of the host's br0 as a side point.
    private func build() throws -> (lab: TracePathLab, peers: String, plan: TracePlan) {
        let lab = try TracePathLab()
        let peers = lab.host.replacingOccurrences(of: "-host", with: "-peers")
        do {
            try ExternalCommand.check(["ip", "netns", "add", peers])
            try lab.exec(
                peers,
                ["sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"]
            )
            var hostBatch = ""
            var peerBatch = ""
            for port in 1...Self.sidePorts {
                hostBatch += "link add sp\(port) type veth peer name p\(port) netns \(peers)\n"
                hostBatch += "link set sp\(port) master br0 up\n"
                peerBatch += "link set p\(port) up\n"
            }
            try ExternalCommand.check(["ip", "-n", lab.host, "-batch", "-"], input: hostBatch)
            try ExternalCommand.check(["ip", "-n", peers, "-batch", "-"], input: peerBatch)
            try lab.waitUntilForwarding([(lab.host, 3 + Self.sidePorts)])
        } catch {
            _ = try? ExternalCommand.run(["ip", "netns", "del", peers])
            lab.tearDown()
            throw error
        }
        var hops = lab.hops
        let bridge = "\(lab.host):br0"
        for index in hops.indices where hops[index].isSide { hops[index].bridge = bridge }
        for port in 1...Self.sidePorts {
            hops.append(
                CapturePoint(
                    node: lab.host,
                    namespace: .named(lab.host),
                    interface: "sp\(port)",
                    role: .veth,
                    isSide: true,
                    bridge: bridge
                )
            )
        }
        return (lab, peers, TracePlan(source: lab.source, target: lab.target, hops: hops, options: TraceOptions()))
    }

    @Test("healthy: the 51 quiet side ports are one line and one count, and each saw the ARP broadcast once")
    func quietPortsCollapse() throws {
        let (lab, peers, plan) = try build()
        defer {
            _ = try? ExternalCommand.run(["ip", "netns", "del", peers])
            lab.tearDown()
        }
        let outcome = try Tracer().run(plan)
        #expect(outcome.report.verdict == .reachable)
        // Attribution by interface index: every side port's own copy of the broadcast, once, and nothing else.
        for (index, point) in plan.hops.enumerated() where point.isSide {
            let seen = outcome.evidence.observations.filter { $0.hop == index }
            #expect(seen.count == 1, "\(point.label): \(seen.count) frames")
            #expect(seen.first.map { $0.probe == .arp && $0.direction == .request } == true, "\(point.label)")
        }
        let text = TraceTextRenderer(colour: false).render(outcome.report)
        let lines = text.split(separator: "\n")
        #expect(
            lines.contains(
                "(side) 51 other ports of \(lab.host):br0: none saw the probes (only the ARP broadcast every port gets)"
            )
        )
        #expect(!text.contains(":sp"))
        #expect(lines.count < 25, "fits one screen: \(lines.count) lines")
        let json = try #require(
            try JSONSerialization.jsonObject(with: outcome.report.jsonDocument()) as? [String: Any]
        )
        let quiet = try #require(json["quiet_side_ports"] as? [[String: Any]])
        #expect(quiet.first?["count"] as? Int == 51)
        #expect(quiet.first?["bridge"] as? String == "\(lab.host):br0")
        let hops = try #require((json["probes"] as? [[String: Any]])?.first?["hops"] as? [[String: Any]])
        #expect(hops.count == plan.hops.count - 51)
        #expect(!hops.contains { $0["side"] as? Bool == true })
    }

    @Test("replies sent to one side port (a static FDB entry) are attributed to it alone and listed by name")
    func misdeliveredToOnePort() throws {
        let (lab, peers, plan) = try build()
        defer {
            _ = try? ExternalCommand.run(["ip", "netns", "del", peers])
            lab.tearDown()
        }
        let extMAC = try Tracer().queries.interfaceFacts(.named(lab.ext), "eth0").mac
        // The bridge would move the entry back to em1 as soon as ext sends: em1 does not learn.
        try ExternalCommand.check(["bridge", "-n", lab.host, "link", "set", "dev", "em1", "learning", "off"])
        try ExternalCommand.check([
            "bridge", "-n", lab.host, "fdb", "replace", "\(extMAC)", "dev", "sp7", "master", "static",
        ])
        let outcome = try Tracer().run(plan)
        let sp7 = try #require(plan.hops.firstIndex { $0.interface == "sp7" })
        let em1 = try #require(plan.hops.firstIndex { $0.interface == "em1" })
        let replies = outcome.evidence.observations.filter { $0.direction == .reply && $0.probe == .icmp }
        #expect(replies.contains { $0.hop == sp7 })
        #expect(!replies.contains { $0.hop == em1 })
        // Only sp7 of the side ports saw a reply: the frame went to one interface index, not to all.
        let sideHopsWithReplies = Set(replies.map(\.hop).filter { plan.hops[$0].isSide })
        #expect(sideHopsWithReplies == [sp7])
        let text = TraceTextRenderer(colour: false).render(outcome.report)
        #expect(text.contains("(side) \(lab.host):sp7 "))
        #expect(text.contains("(side) 50 other ports of \(lab.host):br0: none saw the probes"))
        #expect(text.contains("misdelivered-reply at \(lab.host):sp7"))
        let json = try #require(
            try JSONSerialization.jsonObject(with: outcome.report.jsonDocument()) as? [String: Any]
        )
        #expect((json["quiet_side_ports"] as? [[String: Any]])?.first?["count"] as? Int == 50)
        let hops = try #require((json["probes"] as? [[String: Any]])?.first?["hops"] as? [[String: Any]])
        #expect(hops.filter { $0["side"] as? Bool == true }.map { $0["interface"] as? String } == ["sp7"])
    }
}
