import Foundation
import Glibc
import LinuxNet
import PacketCodec
import Testing
import Trace

@Suite(
    "Trace on a hand-built path ext -> switch -> host bridge -> veth -> container",
    .enabled(if: getuid() == 0, "needs root")
)
struct TracePathTests {
    @Test("a healthy path is reachable and every hop saw request and reply")
    func healthy() throws {
        let lab = try TracePathLab()
        defer { lab.tearDown() }
        let outcome = try Tracer().run(lab.plan())
        let report = outcome.report
        #expect(report.verdict == .reachable)
        #expect(report.drop == nil)
        #expect(report.probes.map(\.kind) == [.arp, .icmp, .icmpMTU])
        #expect(report.probe(.icmpMTU)?.size == 1500)
        for probe in report.probes {
            #expect(probe.result == .answered)
            #expect(probe.rttNs != nil)
            #expect(probe.answeredBy == [lab.ct1MAC])
            for hop in probe.hops where !hop.isSide && hop.role != .bridge {
                #expect(hop.request.seen, "\(probe.kind) request at \(hop.label)")
                #expect(hop.reply.seen, "\(probe.kind) reply at \(hop.label)")
            }
            // Request before reply, and the request moves forward in time along the path.
            let path = probe.hops.filter { !$0.isSide && $0.role != .bridge }
            let times = path.compactMap(\.request.timestampNs)
            #expect(times == times.sorted(), "\(probe.kind) request times along the path")
        }
        // The bridges see the flooded ARP request, not the unicast echoes forwarded port to port.
        let arp = try #require(report.probe(.arp))
        #expect(arp.hop(lab.label(lab.host, "br0"))?.request.seen == true)
        #expect(arp.hop(lab.label(lab.sw, "sw0"))?.request.seen == true)
        // The side port sees the broadcast, never a reply.
        #expect(arp.hop(lab.label(lab.host, "vct2"))?.request.seen == true)
        for probe in report.probes { #expect(probe.hop(lab.label(lab.host, "vct2"))?.reply.seen == false) }
        #expect(report.findings.filter { $0.severity != .info }.isEmpty, "\(report.findings)")
        print("healthy trace took \(report.durationNs / 1_000_000) ms")
    }
}
