import KernelDrops
import Testing

@Suite("Parsing tracefs lines recorded from the kernel")
struct TraceRecordTests {
    @Test("every event line of the recorded trace parses, and the header does not")
    func recordedTraceParses() throws {
        let lines = try fixture("veth-drops.trace").split(separator: "\n")
        let records = lines.compactMap { TraceRecord(line: $0) }
        #expect(records.count == lines.filter { !$0.hasPrefix("#") }.count)
        #expect(lines.filter { $0.hasPrefix("#") }.allSatisfy { TraceRecord(line: $0) == nil })
    }

    @Test("a kfree_skb line gives its buffer, %pS location, reason, protocol, CPU and time")
    func dropLine() throws {
        let line: Substring =
            "         python3-19019   [001] ..s1.   722.752936: kfree_skb: skbaddr=00000000e281be1b"
            + " rx_sk=0000000000000000 protocol=2048 location=nft_do_chain+0x3e8/0x610 reason: NETFILTER_DROP"
        let record = try #require(TraceRecord(line: line))
        guard case .drop(let drop) = record else {
            Issue.record("expected a drop, got \(record)")
            return
        }
        #expect(drop.skb == "00000000e281be1b")
        #expect(drop.location == "nft_do_chain+0x3e8/0x610")
        #expect(drop.reason == "NETFILTER_DROP")
        #expect(drop.protocolNumber == 2048)
        #expect(drop.cpu == 1)
        #expect(drop.timestampNs == 722_752_936_000)
    }

    @Test("receive and transmit lines give device, buffer, length and direction")
    func packetLines() throws {
        let queue = TraceRecord(
            line:
                "         python3-19192   [000] b....   725.032520: net_dev_queue: dev=va skbaddr=000000008beb57d2 len=1027"
        )
        let receive = TraceRecord(
            line:
                "  <idle>-0       [001] ..s1.   723.389001: netif_receive_skb: dev=vb skbaddr=00000000d2afc73a len=1013"
        )
        guard case .packet(let sent)? = queue, case .packet(let received)? = receive else {
            Issue.record("expected two packet events")
            return
        }
        #expect(sent.event == "net_dev_queue")
        #expect(sent.direction == .transmit)
        #expect(sent.device == "va")
        #expect(sent.length == 1027)
        #expect(sent.cpu == 0)
        #expect(received.direction == .receive)
        #expect(received.device == "vb")
        #expect(received.length == 1013)
        #expect(received.timestampNs == 723_389_001_000)
    }

    @Test("task names with spaces, dashes and brackets, and a missing flags column")
    func awkwardContext() throws {
        let record = TraceRecord(
            line: "  kworker/u4:2-events [x] ok-123 [000]  10.000001: net_dev_xmit: dev=br0 skbaddr=01 len=99 rc=0"
        )
        guard case .packet(let event)? = record else {
            Issue.record("expected a packet event")
            return
        }
        #expect(event.cpu == 0)
        #expect(event.timestampNs == 10_000_001_000)
        #expect(event.device == "br0")
    }

    @Test("an overrun line counts the lost events (format from kernel/trace/trace.c)")
    func lostEvents() {
        #expect(TraceRecord(line: "CPU:1 [LOST 42 EVENTS]") == .lost(cpu: 1, count: 42))
    }

    @Test("damaged numbers give nil, not a trap (inputs found by probes/fuzz)")
    func damagedNumbers() {
        // 55555555723 s is more nanoseconds than 64 bits hold (a fuzzed line of the recorded trace).
        let line: Substring =
            "         python3-19086   [001] .....   55555555723.396188: kfree_skb: skbaddr=00000000937ca077"
            + " rx_sk=0000000000000000 protocol=2054 location=skb_queue_purge_reason+0x121/0x1a0 reason: QUEUE_PURGE"
        #expect(TraceRecord(line: line) == nil)
        #expect(TraceRecord(line: "CPU:0 [LOST -5 EVENTS]") == nil)
        #expect(TraceRecord(line: "CPU:-1 [LOST 5 EVENTS]") == nil)
    }

    @Test("a kfree_skb line of a kernel before drop reasons reports NOT_REPORTED")
    func oldKernelWithoutReason() throws {
        let record = TraceRecord(
            line:
                "  ping-42 [000] ..s1.  5.000001: kfree_skb: skbaddr=0000000012345678 protocol=2048 location=00000000abcdef01"
        )
        guard case .drop(let drop)? = record else {
            Issue.record("expected a drop")
            return
        }
        #expect(drop.reason == "NOT_REPORTED")
        #expect(drop.location == "00000000abcdef01")
    }

    @Test("garbage and events this module does not use give nil")
    func unusable() {
        #expect(TraceRecord(line: "") == nil)
        #expect(TraceRecord(line: "hello world") == nil)
        #expect(TraceRecord(line: "  bash-1 [000] .... 1.000000: sched_switch: prev_comm=bash") == nil)
        #expect(TraceRecord(line: "  bash-1 [000] .... 1.000000: net_dev_queue: dev=va len=12") == nil)
    }
}
