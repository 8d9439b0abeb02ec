import Glibc
import NetworkModel
import Testing
import Trace

@Suite("trace --count on a real path (namespaces, root)")
struct BurstLabTests {
    @Test(
        "a burst of 20: all answered; every second request dropped in br0 (nft numgen): 10 reach vct1, PACKET_LOSS there",
        .enabled(if: getuid() == 0)
    )
    func everySecondDropped() throws {
        let lab = try TracePathLab()
        defer { lab.tearDown() }
        var options = TraceOptions()
        options.burstCount = 20
        let healthy = try Tracer().run(lab.plan(options)).report
        let clean = try #require(healthy.burst)
        #expect(healthy.verdict == .reachable)
        #expect(clean.sent == 20 && clean.answered == 20)
        #expect(clean.lossStartsAt == nil)
        for hop in clean.hops where !hop.isSide && hop.role.seesForwardedUnicast {
            #expect(hop.requestsSeen == 20 && hop.repliesSeen == 20, "\(hop.label)")
            #expect(hop.requestLatency?.samples == 20, "\(hop.label)")
        }
        // Requests further apart than the reply reader's renewed wait (50 ms): every reply is still read (a quiet
        // moment between them, as on a slow machine, once ended the reading).
        var spaced = options
        spaced.burstCount = 3
        spaced.burstIntervalNs = 120_000_000
        spaced.runMarker = .random()
        #expect(try Tracer().run(lab.plan(spaced)).report.burst?.answered == 3)
        // Only the burst's requests (sequence 1000 and up): the ordinary probes pass, every second burst one dies
        // in br0's forwarding, before vct1.
        try lab.exec(
            lab.host,
            ["nft", "-f", "-"],
            input: """
                table bridge lxcdiag_burst {
                    chain forward {
                        type filter hook forward priority 0; policy accept;
                        ip daddr \(TracePathLab.ct1IP) icmp type echo-request icmp sequence >= 1000 numgen inc mod 2 == 0 drop
                    }
                }
                """
        )
        options.runMarker = .random()
        let report = try Tracer().run(lab.plan(options)).report
        let burst = try #require(report.burst)
        #expect(report.verdict == .degraded)
        #expect(burst.answered == 10)
        #expect(burst.hops.first { $0.interface == "em1" }?.requestsSeen == 20)
        #expect(burst.hops.first { $0.interface == "vct1" }?.requestsSeen == 10)
        #expect(burst.lossStartsAt?.firstShort == HopName(node: lab.host, interface: "vct1"))
        #expect(report.findings.first?.code == "PACKET_LOSS")
        #expect(report.findings.first?.location == HopName(node: lab.host, interface: "vct1"))
    }
}
