import Foundation
import Glibc
import KernelDrops
import LinuxNet
import NetworkModel
import PacketCapture
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
        #expect(report.probes.map(\.kind) == [.arp, .icmp, .icmpMTU, .stack])
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

@Suite("Trace to a macvlan child of the host's bridge", .enabled(if: getuid() == 0, "needs root"))
struct TraceMacvlanTests {
    @Test("ext -> macvlan child: reachable, the parent bridge sees both ways, the other ports see the flood")
    func macvlanChild() throws {
        let lab = try TracePathLab(macvlan: true)
        defer { lab.tearDown() }
        let ct3 = try #require(lab.ct3)
        let target = ResolvedEndpoint(
            endpoint: "ct3",
            node: ct3,
            namespace: .named(ct3),
            interface: "eth0",
            ip: TracePathLab.ct3IP,
            mac: nil
        )
        let hops = [
            CapturePoint(node: lab.sw, namespace: .named(lab.sw), interface: "p-ext", role: .bridgePort),
            CapturePoint(node: lab.sw, namespace: .named(lab.sw), interface: "p-host", role: .bridgePort),
            CapturePoint(node: lab.host, namespace: .named(lab.host), interface: "em1", role: .uplink),
            CapturePoint(node: lab.host, namespace: .named(lab.host), interface: "br0", role: .macvlanParent),
            CapturePoint(node: lab.host, namespace: .named(lab.host), interface: "vct1", role: .veth, isSide: true),
            CapturePoint(node: ct3, namespace: .named(ct3), interface: "eth0", role: .container),
        ]
        let report = try Tracer().run(
            TracePlan(source: lab.source, target: target, hops: hops, options: TraceOptions())
        )
        .report
        #expect(report.verdict == .reachable)
        for probe in report.probes {
            let parent = probe.hop(lab.label(lab.host, "br0"))
            #expect(parent?.request.seen == true, "\(probe.kind) request at br0")
            #expect(parent?.reply.seen == true, "\(probe.kind) reply at br0")
        }
        // A macvlan child on a bridge makes the bridge promiscuous and its MAC is never learned: every frame to
        // it is flooded to the other ports too.
        let flooded = report.findings.first { $0.code == "unicast-flooded" }
        #expect(flooded?.location == HopName(node: lab.host, interface: "vct1"))
    }
}

@Suite("Trace finds where frames stop", .enabled(if: getuid() == 0, "needs root"))
struct TraceDropTests {
    private var kernelDropOptions: TraceOptions {
        var options = TraceOptions()
        options.recordKernelDrops = true
        return options
    }

    /// Runs a trace on a fresh lab after `breakPath`, and checks the verdict and where the frame stopped.
    private func traceBroken(
        _ breakPath: (TracePathLab) throws -> Void,
        verdict: Verdict,
        probe: ProbeKind,
        direction: ProbeDirection = .request,
        lastSeen: (TracePathLab) -> String,
        firstMissing: (TracePathLab) -> String,
        options: TraceOptions = TraceOptions()
    ) throws -> TraceReport {
        let lab = try TracePathLab()
        defer { lab.tearDown() }
        try breakPath(lab)
        let report = try Tracer().run(lab.plan(options)).report
        #expect(report.verdict == verdict)
        let drop = try #require(report.drop)
        #expect(drop.probe == probe)
        #expect(drop.direction == direction)
        #expect(drop.lastSeen?.description == lastSeen(lab))
        #expect(drop.firstMissing?.description == firstMissing(lab))
        if !options.recordKernelDrops { #expect(drop.kernel == nil) }
        print("\(report.verdict) trace took \(report.durationNs / 1_000_000) ms")
        return report
    }

    @Test("a bridge port set to a non-forwarding state stops the ARP request before the container's veth")
    func portNotForwarding() throws {
        // With STP off the bridge puts a port set to blocking (4) straight back to forwarding; disabled (0) stays.
        _ = try traceBroken(
            { lab in try ExternalCommand.check(["bridge", "-n", lab.host, "link", "set", "dev", "vct1", "state", "0"])
            },
            verdict: .unreachable,
            probe: .arp,
            lastSeen: { $0.label($0.host, "br0") },
            firstMissing: { $0.label($0.host, "vct1") }
        )
    }

    @Test("flooding off on the container's port stops the broadcast ARP there")
    func floodingOff() throws {
        _ = try traceBroken(
            { lab in
                try ExternalCommand.check([
                    "bridge", "-n", lab.host, "link", "set", "dev", "vct1", "flood", "off", "mcast_flood", "off",
                    "bcast_flood", "off",
                ])
            },
            verdict: .unreachable,
            probe: .arp,
            lastSeen: { $0.label($0.host, "br0") },
            firstMissing: { $0.label($0.host, "vct1") }
        )
    }

    @Test("a FORWARD drop through br_netfilter lets ARP pass and stops the echo requests inside the bridge")
    func bridgeNetfilterDrop() throws {
        let report = try traceBroken(
            { lab in
                try lab.exec(lab.host, ["sysctl", "-qw", "net.bridge.bridge-nf-call-iptables=1"])
                try lab.exec(
                    lab.host,
                    ["nft", "-f", "-"],
                    input: """
                        table inet lxcdiag_test {
                            chain forward {
                                type filter hook forward priority 0; policy accept;
                                ip protocol icmp drop
                            }
                        }
                        """
                )
            },
            verdict: .unreachable,
            probe: .icmp,
            lastSeen: { $0.label($0.host, "em1") },
            firstMissing: { $0.label($0.host, "vct1") },
            options: kernelDropOptions
        )
        #expect(report.probe(.arp)?.result == .answered)
        // The kernel's own account, from tracefs: netfilter dropped it, on the uplink it came in by.
        let kernel = try #require(report.drop?.kernel)
        #expect(kernel.reason == "NETFILTER_DROP")
        #expect(kernel.device == "em1")
    }

    @Test("the container's interface down stops the ARP at its veth")
    func containerInterfaceDown() throws {
        let report = try traceBroken(
            { lab in try lab.ip(lab.ct1, "link", "set", "eth0", "down") },
            verdict: .unreachable,
            probe: .arp,
            lastSeen: { $0.label($0.host, "br0") },
            firstMissing: { $0.label($0.host, "vct1") }
        )
        let down = try #require(report.findings.first { $0.code == "interface-down" })
        #expect(down.location?.interface == "eth0")
        #expect(down.fix.hasSuffix("link set dev eth0 up"))
        #expect(report.probe(.arp)?.hops.last?.captureError == "interface down")
    }

    @Test("a smaller MTU on the container side loses the large probe only: degraded")
    func smallerMTU() throws {
        let report = try traceBroken(
            { lab in try lab.ip(lab.ct1, "link", "set", "eth0", "mtu", "1400") },
            verdict: .degraded,
            probe: .icmpMTU,
            lastSeen: { $0.label($0.host, "vct1") },
            firstMissing: { $0.label($0.ct1, "eth0") }
        )
        #expect(report.probe(.icmp)?.result == .answered)
        #expect(report.findings.contains { $0.code == "mtu-mismatch" })
    }

    @Test("the neighbour entry is read through rtnetlink inside the source's namespace, with its state")
    func neighbourThroughNetlink() throws {
        let lab = try TracePathLab()
        defer { lab.tearDown() }
        try lab.ip(
            lab.ext,
            "neigh",
            "replace",
            "192.0.2.66",
            "lladdr",
            "02:00:00:00:00:66",
            "dev",
            "eth0",
            "nud",
            "stale"
        )
        try lab.ip(lab.ext, "neigh", "replace", "192.0.2.67", "lladdr", "02:00:00:00:00:67", "dev", "eth0")
        let query = NamespaceQueries.system.neighbour
        let stale = try query(.named(lab.ext), "eth0", IPv4Address(192, 0, 2, 66))
        #expect(stale?.mac == MACAddress("02:00:00:00:00:66"))
        #expect(stale?.states == ["STALE"])
        #expect(try query(.named(lab.ext), "eth0", IPv4Address(192, 0, 2, 67))?.isPermanent == true)
        #expect(try query(.named(lab.ext), "eth0", IPv4Address(192, 0, 2, 68)) == nil)
        #expect(try query(.named(lab.ct1), "eth0", IPv4Address(192, 0, 2, 66)) == nil)
    }

    // Before the stack probe this expected `reachable`: the crafted frames, sent to the MAC that answers ARP,
    // passed. The source's own kernel sends to the entry's wrong MAC (a replaced entry is permanent), so its
    // traffic is lost and the verdict, which is about that traffic, is unreachable.
    @Test("a stale neighbour entry at the source is reported with the MAC that really answers; the path is unreachable")
    func staleNeighbour() throws {
        let lab = try TracePathLab()
        defer { lab.tearDown() }
        try lab.ip(lab.ext, "neigh", "replace", "\(TracePathLab.ct1IP)", "lladdr", "02:00:00:00:99:99", "dev", "eth0")
        let report = try Tracer().run(lab.plan()).report
        #expect(report.verdict == .unreachable)
        #expect(report.probe(.stack)?.result == .lost)
        #expect(report.probe(.stack)?.sentTo == MACAddress("02:00:00:00:99:99"))
        #expect(report.probes.filter(\.kind.isCrafted).allSatisfy { $0.result == .answered })
        let finding = try #require(report.findings.first { $0.code == "stale-neighbour" })
        #expect(finding.summary.contains("02:00:00:00:99:99"))
        #expect(finding.summary.contains("\(lab.ct1MAC)"))
    }
}

@Suite("Trace under concurrency and failure", .enabled(if: getuid() == 0, "needs root"))
struct TraceRobustnessTests {
    @Test("two traces at once on the same path each count only their own frames")
    func concurrentTraces() async throws {
        let lab = try TracePathLab()
        defer { lab.tearDown() }
        let plan = lab.plan()
        async let first = Tracer().run(plan)
        var otherPlan = lab.plan()
        otherPlan.options.runMarker = RunMarker.random()
        async let second = Tracer().run(otherPlan)
        let outcomes = try await [first, second]
        #expect(outcomes[0].report.runID != outcomes[1].report.runID)
        for outcome in outcomes {
            #expect(outcome.report.verdict == .reachable)
            // Each echo request was captured exactly once per path hop: the other run's never count.
            for kind in [ProbeKind.icmp, .icmpMTU] {
                let requests = outcome.evidence.observations.filter { $0.probe == kind && $0.direction == .request }
                let pathHops = Set(outcome.evidence.hops.indices.filter { !outcome.evidence.hops[$0].isSide })
                let perHop = Dictionary(grouping: requests, by: \.hop).mapValues(\.count)
                for hop in pathHops where outcome.evidence.hops[hop].role != .bridge {
                    #expect(perHop[hop] == 1, "\(kind) requests at \(outcome.evidence.hops[hop].label)")
                }
            }
            // Each run's ARP request is told apart by the nonce in its padding.
            let arpRequestsAtSource = outcome.evidence.observations.filter {
                $0.probe == .arp && $0.direction == .request && $0.hop == 0
            }
            #expect(arpRequestsAtSource.count == 1)
        }
    }

    @Test("an interface deleted mid-trace ends it with an error naming the capture point")
    func interfaceVanishes() throws {
        let lab = try TracePathLab()
        defer { lab.tearDown() }
        // Block the path so the trace waits out its timeouts, and delete a side port meanwhile.
        try ExternalCommand.check(["bridge", "-n", lab.host, "link", "set", "dev", "vct1", "state", "0"])
        var options = TraceOptions()
        options.lossTimeoutNs = 600_000_000
        let plan = lab.plan(options)
        let host = lab.host
        DedicatedThread.start(name: "delete vct2") {
            usleep(250_000)
            _ = try? ExternalCommand.run(["ip", "-n", host, "link", "del", "vct2"])
        }
        let error = #expect(throws: TraceError.self) { try Tracer().run(plan) }
        #expect(error?.kind == .interfaceGone, "\(error.map { "\($0)" } ?? "")")
        #expect(error?.description.contains("\(lab.host):vct2") == true)
    }

    @Test("the kernel filter passes this run's frames with an 802.1Q tag too, and nothing of another run")
    func taggedFramesThroughTheFilter() throws {
        let lab = try TracePathLab()
        defer { lab.tearDown() }
        let mine = ProbeFrames(
            marker: .random(),
            sourceMAC: MACAddress([2, 0, 0, 0, 0, 1]),
            sourceIP: TracePathLab.extIP,
            targetIP: TracePathLab.ct1IP
        )
        var other = mine
        other.marker = .random()
        let sw = lab.sw
        let capture = try withNetworkNamespace(.named(sw)) {
            try PacketCapture(interface: "p-ext", options: CaptureOptions(filter: mine.captureFilter))
        }
        capture.start()
        let sender = try withNetworkNamespace(.named(lab.ext)) { try PacketSocket(interface: "eth0") }
        for frames in [other, mine] {
            var echo = try EthernetFrame(decoding: frames.echoRequest(.icmp, size: 111, destinationMAC: .broadcast))
            echo.vlanTags = [VLANTag(id: 211)]
            try sender.send(echo.encoded())
            try sender.send(frames.arpRequest())
        }
        // ct1 answers both ARP requests; ARP replies carry no mark, so both runs' replies pass (documented).
        let deadline = monotonicNanoseconds() + 2_000_000_000
        while capture.frames.count < 4 && monotonicNanoseconds() < deadline { usleep(2_000) }
        usleep(20_000)
        capture.stop()
        let seen = capture.frames.compactMap { mine.classify($0.bytes) }
        #expect(seen.count == capture.frames.count)
        let requests = seen.filter { $0.direction == .request }
        #expect(requests.map(\.probe) == [.icmp, .arp])
        #expect(requests.first?.ethernet.vlanTags.first?.id == 211)
        #expect(seen.filter { $0.direction == .reply }.allSatisfy { $0.probe == .arp })
    }

    @Test("a capture point that does not exist is an error naming it, before any probe is sent")
    func missingCapturePoint() throws {
        let lab = try TracePathLab()
        defer { lab.tearDown() }
        var plan = lab.plan()
        plan.hops.append(CapturePoint(node: lab.host, namespace: .named(lab.host), interface: "nope0", role: .veth))
        let error = #expect(throws: TraceError.self) { try Tracer().run(plan) }
        #expect(error?.kind == .interfaceGone)
        #expect(error?.description.contains("\(lab.host):nope0") == true)
    }
}
