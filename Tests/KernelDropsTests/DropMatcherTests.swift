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
    func filters() throws {
        let plain = DropSignature(frameLengths: [1027, 100])
        #expect(try plain.filter(for: .transmit) == "len == 100 || len == 1027")
        #expect(try plain.filter(for: .receive) == "len == 86 || len == 1013")
        let named = DropSignature(frameLengths: [1027], interfaces: ["vb", "va"])
        #expect(try named.filter(for: .transmit) == "(len == 1027) && (name == \"va\" || name == \"vb\")")
    }

    /// The issue's injection: a name that closes the quote and ORs in a clause matching every frame.
    static let injection = #"x" || len != 0 || name == "y"#

    @Test(
        "a name that could rewrite or widen the filter, or that the kernel never gives a device, is refused",
        arguments: [
            injection, "", "a'b", #"a\b"#, "a b", "a\tb", "a\nb", "eth0/1", "eth0:1", ".", "..",
            "sixteen-chars-xx", "veth*", "eth?", "br[0]", "a\u{7f}", "a\u{0}b", "a\u{a0}b",
        ]
    )
    func hostileNamesRefused(name: String) {
        let signature = DropSignature(frameLengths: [1027], interfaces: ["va", name])
        #expect(throws: TracingError.self) { try DropSignature.checkInterfaceName(name) }
        for direction in [PacketEvent.Direction.receive, .transmit] {
            do {
                let filter = try signature.filter(for: direction)
                Issue.record("\(String(reflecting: name)) gave the filter \(filter)")
            } catch {
                #expect(error.kind == .invalidSignature)
                // One line, naming the name with its escapes.
                #expect(!error.description.contains("\n"))
                #expect(error.description.contains(String(reflecting: name)))
            }
        }
    }

    @Test(
        "real interface names pass and appear in the filter verbatim",
        arguments: ["eth0", "veth-ct1", "br0", "em1", "fifteen-chars-x", "vlan.100", "wlp0s20f3", "lo", "ẞ"]
    )
    func realNamesAccepted(name: String) throws {
        try DropSignature.checkInterfaceName(name)
        let filter = try DropSignature(frameLengths: [1027], interfaces: [name]).filter(for: .transmit)
        #expect(filter == "(len == 1027) && (name == \"\(name)\")")
    }

    @Test("lengths outside 60...65535 and an empty set are refused before any filter text is made")
    func badLengths() {
        for lengths: Set<Int> in [[], [59], [1027, 65_536], [-1]] {
            #expect(throws: TracingError.self) { try DropSignature(frameLengths: lengths).filter(for: .receive) }
        }
        #expect((try? DropSignature(frameLengths: [60, 65_535]).filter(for: .transmit)) == "len == 60 || len == 65535")
    }
}

@Suite("Skipping the drops of other traffic before parsing")
struct DropFastPathTests {
    @Test("a kfree_skb line gives its buffer address without a parse; other lines give nil")
    func bufferAddress() throws {
        let drop: Substring =
            "         python3-19019   [001] ..s1.   722.752936: kfree_skb: skbaddr=00000000e281be1b"
            + " rx_sk=0000000000000000 protocol=2048 location=nft_do_chain+0x3e8/0x610 reason: NETFILTER_DROP"
        func address(_ line: Substring) -> String? {
            Array(line.utf8).withUnsafeBufferPointer { TraceRecord.dropBufferAddress(in: $0) }
        }
        #expect(address(drop) == "00000000e281be1b")
        let queue: Substring =
            "         python3-19019   [001] b....   722.752916: net_dev_queue: dev=va skbaddr=00000000e281be1b len=1027"
        #expect(address(queue) == nil)
        #expect(address("CPU:1 [LOST 42 EVENTS]") == nil)
        #expect(address("") == nil)
        // At the very end of a line (no field after it).
        #expect(address("x-1 [000] ..... 1.000001: kfree_skb: skbaddr=ab12") == "ab12")
    }

    @Test("the matcher tracks exactly the buffers its packet events made the run's")
    func tracking() throws {
        var matcher = DropMatcher(signature: DropSignature(frameLengths: [1027]))
        let lines = try fixture("veth-drops.trace").split(separator: "\n")
        let firstOurs = try #require(
            lines.first { line in
                guard case .packet(let event) = TraceRecord(line: line) else { return false }
                return event.length == 1027
            }
        )
        guard case .packet(let event) = TraceRecord(line: firstOurs) else { return }
        #expect(!matcher.isTracking(buffer: event.skb))
        _ = matcher.consume(.packet(event))
        #expect(matcher.isTracking(buffer: event.skb))
        #expect(!matcher.isTracking(buffer: "00000000deadbeef"))
    }
}

@Suite("Leaving drops of copies out in the kernel")
struct IgnoredReasonTests {
    @Test("the reason table is read from the kfree_skb format recorded from a 6.18 kernel")
    func reasonTable() throws {
        let table = DropReasonTable.numbers(in: try fixture("kfree_skb-6.18.format"))
        #expect(table["NOT_SPECIFIED"] == 2)
        #expect(table["NO_SOCKET"] == 3)
        #expect(table["OTHERHOST"] == 13)
        #expect(table["NETFILTER_DROP"] == 12)
        #expect(table["MAX"] == 129)
        #expect(table.count == 128)
        #expect(DropReasonTable.numbers(in: "print fmt: \"skbaddr=%p protocol=%u location=%p\"").isEmpty)
    }

    @Test("ignored reasons become numeric clauses; one the kernel does not number is left to user space")
    func dropFilter() {
        let numbers = ["NO_SOCKET": 3, "OTHERHOST": 13]
        let protocols = "protocol == 2048 || protocol == 2054 || protocol == 33024 || protocol == 34984"
        #expect(DropSignature(frameLengths: [1027]).dropFilter(reasonNumbers: numbers) == protocols)
        let trace = DropSignature(frameLengths: [1027], ignoredReasons: KernelDrop.copyReasons)
        #expect(trace.dropFilter(reasonNumbers: numbers) == "(\(protocols)) && reason != 3 && reason != 13")
        #expect(trace.dropFilter(reasonNumbers: [:]) == protocols)
        let hostile = DropSignature(frameLengths: [1027], ignoredReasons: [#"X" || 1"#])
        #expect(hostile.dropFilter(reasonNumbers: numbers) == protocols)
    }

    @Test("the matcher does not report an ignored reason even when the kernel passed it")
    func matcherIgnores() throws {
        let trace = try fixture("veth-drops.trace")
        let all = DropSignature(frameLengths: [1027])
        let withoutNoSocket = DropSignature(frameLengths: [1027], ignoredReasons: ["NO_SOCKET"])
        var matcher = DropMatcher(signature: all)
        let records = trace.split(separator: "\n").compactMap { TraceRecord(line: $0) }
        #expect(records.compactMap { matcher.consume($0) }.map(\.reason).contains("NO_SOCKET"))
        matcher = DropMatcher(signature: withoutNoSocket)
        #expect(
            records.compactMap { matcher.consume($0) }.map(\.reason) == ["NETFILTER_DROP", "IP_RPFILTER", "QDISC_DROP"]
        )
    }
}
