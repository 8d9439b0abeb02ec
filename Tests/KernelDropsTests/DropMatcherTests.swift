import Foundation
import Testing

@testable import KernelDrops

@Suite("Tying kfree_skb events to the run's frames")
struct DropMatcherTests {
    private func drops(in trace: String, signature: DropSignature, windowNs: UInt64 = 10_000_000) -> [KernelDrop] {
        var matcher = DropMatcher(signature: signature, windowNs: windowNs)
        return trace.split(separator: "\n").compactMap { TraceRecord(line: $0) }.compactMap { matcher.consume($0) }
    }

    @Test("the recorded veth trace yields its four drops of 1027-byte frames, and not the unrelated ones")
    func recordedDrops() throws {
        let found = drops(in: try fixture("veth-drops.trace"), signature: DropSignature(frameLengths: [1027]))
        #expect(found.map(\.reason) == ["NETFILTER_DROP", "NO_SOCKET", "IP_RPFILTER", "QDISC_DROP"])
        #expect(found.map(\.device) == ["vb", "vb", "vb", "va"])
        #expect(
            found.map(\.lastEvent) == ["netif_receive_skb", "netif_receive_skb", "netif_receive_skb", "net_dev_queue"]
        )
        #expect(found.allSatisfy { $0.length == 1027 })
        #expect(found[0].location == "nft_do_chain+0x3e8/0x610")
        #expect(found[0].function == "nft_do_chain")
        #expect(found[0].devices == ["va", "vb"])
        #expect(found[3].devices == ["va"])
        #expect(found[0].timestampNs == 722_752_936_000)
    }

    @Test("a different length matches nothing")
    func otherLength() throws {
        #expect(drops(in: try fixture("veth-drops.trace"), signature: DropSignature(frameLengths: [1028])).isEmpty)
    }

    @Test("watching only the sender's interface keeps the transmit side and reports it as the last device")
    func interfaceFilter() throws {
        let found = drops(
            in: try fixture("veth-drops.trace"),
            signature: DropSignature(frameLengths: [1027], interfaces: ["va"])
        )
        #expect(found.count == 4)
        // The fixture also holds net_dev_xmit, which fires on va after the peer's netif_rx.
        #expect(found.allSatisfy { $0.device == "va" && $0.lastEvent.hasPrefix("net_dev_") })
        let none = drops(
            in: try fixture("veth-drops.trace"),
            signature: DropSignature(frameLengths: [1027], interfaces: ["eth9"])
        )
        #expect(none.isEmpty)
    }

    @Test("a reused buffer address dropped after the window is not blamed on the run's frame")
    func reusedAddress() {
        let trace = """
              a-1 [000] b....   1.000000: net_dev_queue: dev=va skbaddr=00000000aaaa0001 len=1027
              a-1 [000] .....   1.015000: kfree_skb: skbaddr=00000000aaaa0001 rx_sk=0 protocol=2054 location=x+0x1/0x2 reason: QUEUE_PURGE
            """
        #expect(drops(in: trace, signature: DropSignature(frameLengths: [1027])).isEmpty)
        #expect(drops(in: trace, signature: DropSignature(frameLengths: [1027]), windowNs: 20_000_000).count == 1)
    }

    @Test("one buffer is reported once even if its address is freed again")
    func reportedOnce() throws {
        let found = drops(
            in: try fixture("veth-drops.trace"),
            signature: DropSignature(frameLengths: [1027]),
            windowNs: 1_000_000_000
        )
        // The NO_SOCKET buffer's address shows up again 7 ms later in a QUEUE_PURGE; it is already reported.
        #expect(found.filter { $0.reason == "QUEUE_PURGE" }.isEmpty)
    }

    @Test("lost events are counted")
    func lost() {
        var matcher = DropMatcher(signature: DropSignature(frameLengths: [100]))
        _ = matcher.consume(.lost(cpu: 0, count: 3))
        _ = matcher.consume(.lost(cpu: 1, count: 4))
        #expect(matcher.lostEvents == 7)
    }

    @Test("a len near Int.max and lost counts near Int.max do not trap (inputs found by probes/fuzz)")
    func extremeNumbers() {
        let trace = """
            x-1 [000] 1.000000: netif_receive_skb: dev=va skbaddr=1 len=9223372036854775807
            CPU:0 [LOST 9223372036854775807 EVENTS]
            CPU:1 [LOST 9223372036854775807 EVENTS]
            """
        var matcher = DropMatcher(signature: DropSignature(frameLengths: [60]))
        let records = trace.split(separator: "\n").compactMap { TraceRecord(line: $0) }
        #expect(records.count == 3)
        #expect(records.compactMap { matcher.consume($0) }.isEmpty)
        #expect(matcher.lostEvents == Int.max)
    }

    @Test("KernelDrop round-trips through JSON with its field names")
    func codable() throws {
        let drop = KernelDrop(
            reason: "NETFILTER_DROP",
            location: "nft_do_chain+0x3e8/0x610",
            device: "vb",
            length: 1027,
            timestampNs: 722_752_936_000,
            lastEvent: "netif_receive_skb",
            devices: ["va", "vb"]
        )
        let data = try JSONEncoder().encode(drop)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["reason"] as? String == "NETFILTER_DROP")
        #expect(object["location"] as? String == "nft_do_chain+0x3e8/0x610")
        #expect(object["device"] as? String == "vb")
        #expect(object["length"] as? Int == 1027)
        #expect(try JSONDecoder().decode(KernelDrop.self, from: data) == drop)
    }
}

@Suite("Mapping the trace clock onto CLOCK_MONOTONIC")
struct ClockMarkerTests {
    @Test("the marker line, as recorded from the kernel, parses into both clocks")
    func markerLine() {
        let line: Substring =
            "           <...>-24617   [000] ...1.   969.592786: tracing_mark_write: lxcdiag-clock 123456789012345"
        #expect(TraceRecord(line: line) == .clock(traceNs: 969_592_786_000, monotonicNs: 123_456_789_012_345))
        #expect(TraceRecord(line: "  a-1 [000] ...1. 1.000000: tracing_mark_write: hello 12") == nil)
    }

    @Test("drops after a marker are stamped in CLOCK_MONOTONIC")
    func offsetApplied() throws {
        var matcher = DropMatcher(signature: DropSignature(frameLengths: [1027]))
        let trace = try fixture("veth-drops.trace").split(separator: "\n").compactMap { TraceRecord(line: $0) }
        // Monotonic was 1 s ahead of the trace clock when the marker was written.
        _ = matcher.consume(.clock(traceNs: 700_000_000_000, monotonicNs: 701_000_000_000))
        let drops = trace.compactMap { matcher.consume($0) }
        #expect(matcher.clockOffsetNs == 1_000_000_000)
        #expect(drops.first?.timestampNs == 723_752_936_000)
    }
}

@Suite("The filters the kernel applies to the packet tracepoints")
struct SignatureFilterTests {
    @Test("receive filters subtract the Ethernet header; interface names are ANDed in")
    func filters() {
        let plain = DropSignature(frameLengths: [1027, 100])
        #expect(plain.filter(for: .transmit) == "len == 100 || len == 1027")
        #expect(plain.filter(for: .receive) == "len == 86 || len == 1013")
        let named = DropSignature(frameLengths: [1027], interfaces: ["vb", "va"])
        #expect(named.filter(for: .transmit) == "(len == 1027) && (name == \"va\" || name == \"vb\")")
    }
}
