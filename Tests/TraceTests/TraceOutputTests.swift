import Foundation
import LinuxNet
import PacketCapture
import PacketCodec
import Testing
import Trace

@Suite("Trace output: the JSON document, the text view, the pcapng file (no root)")
struct TraceOutputTests {
    private func document(_ report: TraceReport) throws -> [String: Any] {
        let data = try report.jsonDocument()
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test("the JSON document has the lxcdiag.trace/1 fields, with null where a value is absent")
    func jsonHealthy() throws {
        var trace = SyntheticTrace()
        trace.seeHealthyPath()
        let json = try document(trace.report())
        #expect(json["schema"] as? String == "lxcdiag.trace/1")
        #expect(json["verdict"] as? String == "reachable")
        #expect(json["drop"] is NSNull)
        #expect((json["findings"] as? [Any])?.isEmpty == true)
        let from = try #require(json["from"] as? [String: Any])
        #expect(from["endpoint"] as? String == "ext")
        #expect(from["node"] as? String == "ext")
        #expect(from["interface"] as? String == "eth0")
        #expect(from["ip"] as? String == "192.0.2.1")
        #expect(from["mac"] as? String == "02:00:00:00:00:01")
        let probes = try #require(json["probes"] as? [[String: Any]])
        #expect(probes.map { $0["kind"] as? String } == ["arp", "icmp", "icmp-mtu"])
        #expect(probes.map { $0["size"] as? Int } == [28, 84, 1500])
        #expect(probes.allSatisfy { $0["result"] as? String == "answered" })
        #expect(probes[1]["rtt_ns"] as? Int == 229_000)
        let hops = try #require(probes[1]["hops"] as? [[String: Any]])
        #expect(hops.count == 6)
        let bridge = hops[2]
        #expect(bridge["node"] as? String == "host")
        #expect(bridge["interface"] as? String == "br0")
        #expect(bridge["role"] as? String == "bridge")
        #expect(bridge["side"] as? Bool == false)
        let request = try #require(bridge["request"] as? [String: Any])
        #expect(request["seen"] as? Bool == false)
        #expect(request["t_ns"] is NSNull)
        let veth = try #require(hops[3]["request"] as? [String: Any])
        #expect(veth["seen"] as? Bool == true)
        #expect(veth["t_ns"] as? UInt64 == SyntheticTrace.start + 1_000_000 + 1_000 + 20_000)
        // The string twin keeps every digit where jq would round the number (docs/json.md).
        #expect(veth["t_ns_string"] as? String == String(SyntheticTrace.start + 1_000_000 + 1_000 + 20_000))
        #expect(request["t_ns_string"] is NSNull)
        // Per-hop latency: the veth is the third unicast hop, 20 µs after the request left the source.
        #expect(veth["offset_ns"] as? Int == 20_000)
        #expect(request["offset_ns"] is NSNull)
        #expect(hops[3]["capture_error"] is NSNull)
    }

    @Test("a drop and its findings appear in the document as the schema says")
    func jsonDrop() throws {
        var trace = SyntheticTrace()
        trace.see(.arp, .request, at: [0, 1, 2, 4])
        let json = try document(trace.report())
        #expect(json["verdict"] as? String == "unreachable")
        let drop = try #require(json["drop"] as? [String: Any])
        #expect(drop["probe"] as? String == "arp")
        #expect(drop["direction"] as? String == "request")
        #expect(drop["last_seen"] as? [String: String] == ["node": "host", "interface": "br0"])
        #expect(drop["first_missing"] as? [String: String] == ["node": "host", "interface": "vct1"])
        #expect(drop["kernel"] is NSNull)
        let probes = try #require(json["probes"] as? [[String: Any]])
        #expect(probes[0]["result"] as? String == "lost")
        #expect(probes[0]["rtt_ns"] is NSNull)
        let finding = try #require((json["findings"] as? [[String: Any]])?.first)
        #expect(finding["code"] as? String == "dropped-between")
        #expect(finding["severity"] as? String == "error")
        #expect(finding["where"] as? [String: String] == ["node": "host", "interface": "vct1"])
        #expect(finding["summary"] is String)
        #expect((finding["evidence"] as? [String])?.isEmpty == false)
        #expect(finding["fix"] is String)
    }

    // Changed with issue 10: the bridge device's unicast marks are blank (it cannot see forwarded unicast, so
    // never a miss), a legend follows the table, and the finding's sentence matches the `stopped` line.
    @Test("the text view shows the path as a column with a mark per probe and direction (golden)")
    func textGolden() {
        var trace = SyntheticTrace()
        trace.see(.arp, .request, at: SyntheticTrace.broadcastPath)
        trace.see(.arp, .reply, at: SyntheticTrace.unicastPath.reversed())
        trace.see(.icmp, .request, at: [0, 1])
        trace.see(.icmpMTU, .request, at: [0, 1])
        let text = TraceTextRenderer(colour: false).render(trace.report())
        let expected = """
            trace ext 192.0.2.1 (ext:eth0) -> ct1 192.0.2.20 (ct1:eth0)   run 1234-deadbeef, 47.3 ms

            hop               role         arp       icmp      icmp-mtu
            ext:eth0          endpoint     → ←       → ·       → ·
            host:em1          uplink       → ←       → ·       → ·
            host:br0          bridge       →
            host:vct1         veth         → ←       ✗ ·       · ·
            (side) host:vct2  bridge-port  → ·       · ·       · ·
            ct1:eth0          container    → ←       · ·       · ·
            marks: → request seen, ← reply seen, · not seen, ✗ first point that missed the lost frame, \
            blank: a bridge device, blind to unicast it forwards
            (side): another port of a bridge on the path

            verdict   UNREACHABLE
            probes    arp answered in 229 µs; icmp 84 B lost; icmp-mtu 1500 B lost
            stopped   icmp request last seen at host:em1, never reached host:vct1

            findings
              error   dropped-between at host:vct1
                    the icmp request last seen at host:em1, never reached host:vct1
                    - ext:eth0: request seen
                    - host:em1: request seen
                    - host:vct1: request not seen
                    - ct1:eth0: request not seen
                    check: On the way into host:vct1: check the bridge port's state and flood flags \
            (bridge -d link show), the link's carrier (ip link show), and bridge netfilter \
            (sysctl net.bridge.bridge-nf-call-iptables; nft list ruleset).

            """
        #expect(text == expected)
    }

    @Test("colour only on a terminal and never with NO_COLOR")
    func colourChoice() {
        #expect(TraceTextRenderer.wantsColour(isTerminal: true, environment: [:]))
        #expect(!TraceTextRenderer.wantsColour(isTerminal: true, environment: ["NO_COLOR": ""]))
        #expect(!TraceTextRenderer.wantsColour(isTerminal: false, environment: [:]))
        var trace = SyntheticTrace()
        trace.seeHealthyPath()
        #expect(TraceTextRenderer(colour: true).render(trace.report()).contains("\u{1B}[32m"))
        #expect(!TraceTextRenderer(colour: false).render(trace.report()).contains("\u{1B}"))
    }

    @Test("tshark reads the pcapng file: one interface per point named node:interface, ns timestamps")
    func pcapngReadByTshark() throws {
        let frames = SyntheticTrace.probeFrames(RunMarker(identifier: 0x4242, nonce: 0x0102_0304))
        var file = PcapngFile()
        let ext = file.addInterface(PcapngFile.Interface(name: "ext:eth0"))
        let host = file.addInterface(PcapngFile.Interface(name: "host:vct1"))
        let t0: UInt64 = 1_700_000_000_123_456_789
        file.append(CapturedFrame(timestampNs: t0, bytes: frames.arpRequest()), interface: ext)
        let echo = frames.echoRequest(.icmpMTU, size: 1500, destinationMAC: SyntheticTrace.targetMAC)
        file.append(CapturedFrame(timestampNs: t0 + 7, bytes: echo), interface: host)
        let path = NSTemporaryDirectory() + "lxcdiag-trace-\(UInt32.random(in: 0...UInt32.max)).pcapng"
        try file.write(to: path)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let output = try ExternalCommand.check([
            "tshark",
            "-r", path, "-T", "fields", "-E", "separator=|", "-e", "frame.interface_name", "-e", "frame.time_epoch",
            "-e", "arp.dst.proto_ipv4", "-e", "icmp.ident", "-e", "icmp.seq", "-e", "ip.len", "-e", "ip.flags.df",
        ])
        let rows = output.split(separator: "\n").map { $0.split(separator: "|", omittingEmptySubsequences: false) }
        #expect(rows.count == 2)
        #expect(rows.first?.first == "ext:eth0")
        #expect(rows.last?.first == "host:vct1")
        #expect(rows.first?[1].hasSuffix("123456789") == true)
        #expect(rows.last?[1].hasSuffix("123456796") == true)
        #expect(rows.first?[2] == "192.0.2.20")
        #expect(rows.last?[3] == "16962")
        #expect(rows.last?[4] == "2")
        #expect(rows.last?[5] == "1500")
        #expect(rows.last?[6] == "1" || rows.last?[6] == "True")
    }

    @Test("tshark reads the annotations: section comment, interface description, packet comment and direction")
    func pcapngAnnotations() throws {
        let frames = SyntheticTrace.probeFrames(RunMarker(identifier: 0x4242, nonce: 0x0102_0304))
        var file = PcapngFile(comment: "lxcdiag trace run r1: from ext to ct1, verdict reachable")
        let ext = file.addInterface(
            PcapngFile.Interface(
                name: "ext:eth0",
                description: "netns ext, role endpoint, hop 1 of 2",
                snapLength: 9018
            )
        )
        let t0: UInt64 = 1_700_000_000_123_456_789
        let outbound = PcapngFile.PacketNote(comment: "arp request", direction: .outbound)
        file.append(CapturedFrame(timestampNs: t0, bytes: frames.arpRequest()), interface: ext, note: outbound)
        let inbound = PcapngFile.PacketNote(comment: "arp reply", direction: .inbound)
        file.append(CapturedFrame(timestampNs: t0 + 5, bytes: frames.arpRequest()), interface: ext, note: inbound)
        file.append(CapturedFrame(timestampNs: t0 + 9, bytes: frames.arpRequest()), interface: ext)
        let path = NSTemporaryDirectory() + "lxcdiag-trace-\(UInt32.random(in: 0...UInt32.max)).pcapng"
        try file.write(to: path)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let output = try ExternalCommand.check([
            "tshark", "-r", path, "-T", "fields", "-E", "separator=|", "-e", "frame.interface_description",
            "-e", "frame.comment", "-e", "frame.packet_flags_direction",
        ])
        let rows = output.split(separator: "\n").map { $0.split(separator: "|", omittingEmptySubsequences: false) }
        #expect(rows.count == 3)
        #expect(rows.allSatisfy { $0.first == "netns ext, role endpoint, hop 1 of 2" })
        #expect(
            rows.map { $0.dropFirst().map(String.init) } == [
                ["arp request", "0x00000002"], ["arp reply", "0x00000001"], ["", ""],
            ]
        )
        let info = try ExternalCommand.check(["capinfos", "-k", "-I", path])
        #expect(info.contains("Capture comment:     lxcdiag trace run r1: from ext to ct1, verdict reachable"))
        #expect(info.contains("Capture length = 9018"))
    }

    @Test("probe frames: the run's own frames classify, another run's do not")
    func classify() {
        let mine = SyntheticTrace.probeFrames(RunMarker(identifier: 7, nonce: 0xabcd_ef01))
        var theirs = mine
        theirs.marker = RunMarker(identifier: 7, nonce: 0xabcd_ef02)
        let arp = mine.arpRequest()
        #expect(arp.count == 60)
        #expect(Array(arp[42..<46]) == [0xab, 0xcd, 0xef, 0x01])
        #expect(mine.classify(arp)?.direction == .request)
        #expect(theirs.classify(arp) == nil)
        let echo = mine.echoRequest(.icmp, size: 84, destinationMAC: SyntheticTrace.targetMAC)
        #expect(echo.count == 14 + 84)
        #expect(mine.classify(echo)?.probe == .icmp)
        #expect(theirs.classify(echo) == nil)
        #expect(mine.captureFilter.contains("icmp[4:2] = 7"))
    }

    @Test("probe frames seen with an 802.1Q tag (a trunk capture) still classify")
    func taggedFrames() throws {
        let frames = SyntheticTrace.probeFrames(RunMarker(identifier: 9, nonce: 0x1111_2222))
        for bytes in [
            frames.arpRequest(), frames.echoRequest(.icmpMTU, size: 1400, destinationMAC: SyntheticTrace.targetMAC),
        ] {
            var ethernet = try EthernetFrame(decoding: bytes)
            ethernet.vlanTags = [VLANTag(id: 211)]
            let classified = frames.classify(ethernet.encoded())
            #expect(classified?.direction == .request)
            #expect(classified?.ethernet.vlanTags.first?.id == 211)
        }
        #expect(frames.captureFilter.contains("(vlan and ("))
    }
}
