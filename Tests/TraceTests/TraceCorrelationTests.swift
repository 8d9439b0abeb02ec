import Foundation
import KernelDrops
import NetworkModel
import PacketCodec
import Testing
import Trace

@Suite("Correlating observations into a report (synthetic, no root)")
struct TraceCorrelationTests {
    @Test("every probe seen both ways: reachable, no drop, RTT from the source's own capture")
    func healthy() {
        var trace = SyntheticTrace()
        trace.seeHealthyPath()
        let report = trace.report()
        #expect(report.verdict == .reachable)
        #expect(report.drop == nil)
        #expect(report.findings.isEmpty)
        let icmp = report.probe(.icmp)
        #expect(icmp?.result == .answered)
        // Request at the source 1 µs after sending, reply 200 µs + 3 steps of 10 µs... the reply reaches the
        // source last (reversed path), at step 3.
        #expect(icmp?.rttNs == 200_000 + 30_000 - 1_000)
        #expect(icmp?.answeredBy == [SyntheticTrace.targetMAC])
        #expect(icmp?.hop("host:br0")?.request.seen == false)
        #expect(report.probe(.arp)?.hop("host:br0")?.request.seen == true)
    }

    @Test("a request that stops inside the bridge: last seen on the uplink, first missing on the veth")
    func requestStops() {
        var trace = SyntheticTrace()
        trace.see(.arp, .request, at: [0, 1, 2, 4])
        trace.see(.icmp, .request, at: [0, 1])
        trace.see(.icmpMTU, .request, at: [0, 1])
        let report = trace.report()
        #expect(report.verdict == .unreachable)
        #expect(report.drop?.probe == .arp)
        #expect(report.drop?.direction == .request)
        // The ARP request is flooded, so the bridge device counts: it saw it, the veth did not.
        #expect(report.drop?.lastSeen == HopName(node: "host", interface: "br0"))
        #expect(report.drop?.firstMissing == HopName(node: "host", interface: "vct1"))
        #expect(report.drop?.kernel == nil)
        #expect(report.findings.map(\.code) == ["dropped-between"])
    }

    @Test("for unicast the bridge device is not expected: an echo lost after the uplink stops at the veth")
    func unicastSkipsBridgeDevice() {
        var trace = SyntheticTrace()
        trace.see(.arp, .request, at: SyntheticTrace.broadcastPath)
        trace.see(.arp, .reply, at: SyntheticTrace.unicastPath.reversed())
        trace.see(.icmp, .request, at: [0, 1])
        trace.see(.icmpMTU, .request, at: [0, 1])
        let report = trace.report()
        #expect(report.verdict == .unreachable)
        #expect(report.drop?.probe == .icmp)
        #expect(report.drop?.lastSeen == HopName(node: "host", interface: "em1"))
        #expect(report.drop?.firstMissing == HopName(node: "host", interface: "vct1"))
    }

    @Test("a reply lost on the way back is located walking back from the target")
    func replyStops() {
        var trace = SyntheticTrace()
        trace.seeHealthyPath()
        trace.observations.removeAll { $0.probe != .arp && $0.direction == .reply && [0, 1].contains($0.hop) }
        let report = trace.report()
        #expect(report.verdict == .unreachable)
        #expect(report.drop?.probe == .icmp)
        #expect(report.drop?.direction == .reply)
        #expect(report.drop?.lastSeen == HopName(node: "host", interface: "vct1"))
        #expect(report.drop?.firstMissing == HopName(node: "host", interface: "em1"))
    }

    @Test("a target that got the request and never answered is named as both ends of the trail")
    func targetSilent() {
        var trace = SyntheticTrace()
        trace.see(.arp, .request, at: SyntheticTrace.broadcastPath)
        trace.see(.arp, .reply, at: SyntheticTrace.unicastPath.reversed())
        trace.see(.icmp, .request, at: SyntheticTrace.unicastPath)
        trace.see(.icmpMTU, .request, at: SyntheticTrace.unicastPath)
        let report = trace.report()
        let ct1 = HopName(node: "ct1", interface: "eth0")
        #expect(report.drop?.direction == .reply)
        #expect(report.drop?.lastSeen == ct1)
        #expect(report.drop?.firstMissing == ct1)
        #expect(report.findings.first?.code == "target-silent")
    }

    @Test("small echo answered, large one lost: degraded, with an MTU finding at the point it stopped")
    func mtuLoss() {
        var trace = SyntheticTrace()
        trace.seeHealthyPath()
        trace.observations.removeAll { $0.probe == .icmpMTU && ($0.direction == .reply || $0.hop == 5) }
        let report = trace.report()
        #expect(report.verdict == .degraded)
        #expect(report.drop?.probe == .icmpMTU)
        #expect(report.drop?.lastSeen == HopName(node: "host", interface: "vct1"))
        #expect(report.drop?.firstMissing == HopName(node: "ct1", interface: "eth0"))
        let finding = report.findings.first { $0.code == "mtu-mismatch" }
        #expect(finding?.fix.contains("ip -n ct1 link set dev eth0 mtu 1500") == true)
    }

    // Before the stack probe this was `degraded`: with ARP unanswered and no usable neighbour entry at the source
    // no new connection can start, whatever the crafted echoes to the known MAC did (StackProbeTests has the rest).
    @Test("ARP lost but the echoes answered (sent to a known MAC), no neighbour entry at the source: unreachable")
    func arpLostEchoesAnswered() {
        var trace = SyntheticTrace()
        trace.seeHealthyPath()
        trace.observations.removeAll { $0.probe == .arp && $0.direction == .request && [3, 5].contains($0.hop) }
        trace.observations.removeAll { $0.probe == .arp && $0.direction == .reply }
        let report = trace.report()
        #expect(report.verdict == .unreachable)
        #expect(report.drop?.probe == .arp)
        #expect(report.drop?.firstMissing == HopName(node: "host", interface: "vct1"))
    }

    @Test("two MACs answering ARP is an error finding listing both")
    func twoARPAnswers() {
        var trace = SyntheticTrace()
        trace.seeHealthyPath()
        trace.see(.arp, .reply, at: [1, 0], from: SyntheticTrace.otherMAC)
        let report = trace.report()
        // In the order the replies reached the source: the impostor's path is one hop shorter.
        #expect(report.probe(.arp)?.answeredBy == [SyntheticTrace.otherMAC, SyntheticTrace.targetMAC])
        let finding = report.findings.first { $0.code == "arp-multiple-answers" }
        #expect(finding?.severity == .error)
        #expect(finding?.evidence.count == 2)
    }

    @Test("a reply captured on a side port is a misdelivery; a flooded request is informational")
    func sidePort() {
        var trace = SyntheticTrace()
        trace.seeHealthyPath()
        trace.see(.icmp, .reply, at: [4])
        trace.see(.icmp, .request, at: [4])
        let report = trace.report()
        #expect(report.verdict == .reachable)
        #expect(report.findings.map(\.code) == ["misdelivered-reply", "unicast-flooded"])
        #expect(report.findings.first?.location == HopName(node: "host", interface: "vct2"))
    }

    @Test("a neighbour entry that disagrees with the ARP answer is stale; a permanent one gets replaced")
    func staleNeighbour() {
        var trace = SyntheticTrace()
        trace.seeHealthyPath()
        trace.neighbour = CachedNeighbour(
            ip: IPv4Address(192, 0, 2, 20),
            interface: "eth0",
            mac: SyntheticTrace.otherMAC,
            states: ["PERMANENT"]
        )
        let finding = trace.report().findings.first { $0.code == "stale-neighbour" }
        #expect(finding?.fix == "ip -n ext neigh replace 192.0.2.20 lladdr 02:00:00:00:00:14 dev eth0 nud permanent")
        trace.neighbour?.states = ["STALE"]
        #expect(trace.report().findings.first?.fix == "ip -n ext neigh del 192.0.2.20 dev eth0")
        trace.neighbour?.mac = SyntheticTrace.targetMAC
        #expect(trace.report().findings.isEmpty)
    }

    @Test("an ARP reply stamped before this run's request answers someone else's and does not count")
    func earlierARPReplyIgnored() {
        var trace = SyntheticTrace()
        trace.seeHealthyPath()
        trace.observations.removeAll { $0.probe == .arp && $0.direction == .reply }
        trace.observations.append(
            HopObservation(
                hop: 0,
                probe: .arp,
                direction: .reply,
                timestampNs: SyntheticTrace.start - 5_000,
                answeredBy: SyntheticTrace.targetMAC
            )
        )
        let arp = trace.report().probe(.arp)
        #expect(arp?.result == .lost)
        #expect(arp?.hop("ext:eth0")?.reply.seen == false)
    }

    @Test("echo requests that could not be sent are lost and marked not sent")
    func notSent() {
        var trace = SyntheticTrace()
        trace.probes = trace.probes.map {
            ProbeAttempt(kind: $0.kind, size: $0.size, sentAtNs: $0.kind == .arp ? $0.sentAtNs : nil)
        }
        trace.see(.arp, .request, at: [0, 1])
        let report = trace.report()
        #expect(report.verdict == .unreachable)
        #expect(report.probe(.icmp)?.sent == false)
        #expect(report.drop?.probe == .arp)
    }

    @Test("a capture point that was down shows no sightings and an interface-down finding with the fix")
    func interfaceDown() {
        var trace = SyntheticTrace()
        trace.unavailable = [5: "interface down"]
        trace.see(.arp, .request, at: [0, 1, 2, 4])
        let report = trace.report()
        #expect(report.probe(.arp)?.hop("ct1:eth0")?.captureError == "interface down")
        let finding = report.findings.first { $0.code == "interface-down" }
        #expect(finding?.fix == "ip -n ct1 link set dev eth0 up")
    }

    @Test("the kernel's drop of the lost echo is attached by frame length, preferring where the trail ends")
    func kernelDropAttached() throws {
        var trace = SyntheticTrace()
        trace.see(.arp, .request, at: SyntheticTrace.broadcastPath)
        trace.see(.arp, .reply, at: SyntheticTrace.unicastPath.reversed())
        trace.see(.icmp, .request, at: [0, 1])
        trace.see(.icmpMTU, .request, at: [0, 1])
        func drop(_ reason: String, length: Int, device: String) -> KernelDrop {
            KernelDrop(
                reason: reason,
                location: "nft_do_chain+0x3e8/0x610",
                device: device,
                length: length,
                timestampNs: 1,
                lastEvent: "netif_receive_skb",
                devices: [device]
            )
        }
        let report = TraceCorrelation.report(
            trace.evidence(kernelDrops: [
                drop("NOT_SPECIFIED", length: 98, device: "eth9"),
                drop("NETFILTER_DROP", length: 98, device: "em1"),
                drop("QDISC_DROP", length: 1514, device: "em1"),
            ])
        )
        let kernel = try #require(report.drop?.kernel)
        #expect(kernel.reason == "NETFILTER_DROP")
        #expect(report.findings.first?.evidence.last == "kernel: NETFILTER_DROP in nft_do_chain+0x3e8/0x610 on em1")
        let json = try #require(
            try JSONSerialization.jsonObject(with: try report.jsonDocument()) as? [String: Any]
        )
        let encoded = (json["drop"] as? [String: Any])?["kernel"] as? [String: String]
        #expect(encoded?["reason"] == "NETFILTER_DROP")
        #expect(encoded?["location"] == "nft_do_chain+0x3e8/0x610")
    }

    @Test("a discarded copy (OTHERHOST at a promiscuous bridge) is never attached as the probe's drop")
    func kernelDropCopyIgnored() throws {
        var trace = SyntheticTrace()
        trace.see(.arp, .request, at: SyntheticTrace.broadcastPath)
        trace.see(.arp, .reply, at: SyntheticTrace.unicastPath.reversed())
        trace.see(.icmp, .request, at: [0, 1])
        trace.see(.icmpMTU, .request, at: [0, 1])
        let copy = KernelDrop(
            reason: "OTHERHOST",
            location: "ip_rcv_core+0x22c/0x350",
            device: "em1",
            length: 98,
            timestampNs: 1,
            lastEvent: "netif_receive_skb",
            devices: ["em1", "br0"]
        )
        let report = TraceCorrelation.report(trace.evidence(kernelDrops: [copy]))
        #expect(report.drop != nil)
        #expect(report.drop?.kernel == nil)
    }

    @Test("kernel drops asked for but not recordable are an info finding on a dropping path")
    func kernelDropsUnavailable() {
        var trace = SyntheticTrace()
        trace.see(.arp, .request, at: [0, 1])
        let report = TraceCorrelation.report(trace.evidence(kernelDropsUnavailable: "tracefs: permission denied"))
        #expect(report.findings.contains { $0.code == "kernel-drops-unavailable" && $0.severity == .info })
    }
}
