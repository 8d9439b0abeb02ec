import ARPSuite
import PacketCodec
import Testing

private let a = MACAddress("02:00:00:00:00:0a")!
private let b = MACAddress("02:00:00:00:00:0b")!
private let asker = MACAddress("02:00:00:00:00:01")!
private let address = IPv4Address("198.51.100.10")!
private let askerIP = IPv4Address("198.51.100.1")!

private func reply(from mac: MACAddress) -> ARPPacket {
    ARPPacket(operation: .reply, senderMAC: mac, senderIP: address, targetMAC: asker, targetIP: askerIP)
}

private func request(for target: IPv4Address) -> ARPPacket {
    ARPPacket(operation: .request, senderMAC: asker, senderIP: askerIP, targetMAC: .zero, targetIP: target)
}

@Suite("The arp watch state machine")
struct WatchStateTests {
    @Test("new station, change, and a flip-flop back to the earlier MAC")
    func flipFlop() {
        var state = WatchState()
        var kinds: [WatchEvent.Kind] = []
        kinds += state.observe(reply(from: a), at: "host/br0", timeNs: 1_000_000_000).map(\.kind)
        kinds += state.observe(reply(from: a), at: "host/br0", timeNs: 2_000_000_000).map(\.kind)
        kinds += state.observe(reply(from: b), at: "host/br0", timeNs: 3_000_000_000).map(\.kind)
        let back = state.observe(reply(from: a), at: "host/br0", timeNs: 4_000_000_000)
        kinds += back.map(\.kind)
        #expect(kinds == [.newStation, .changed, .flipFlop])
        #expect(back.first?.previousMAC == b)
        #expect(state.knownStations[address] == a)
    }

    @Test("two replies from different MACs to one request are a duplicate")
    func duplicate() {
        var state = WatchState()
        _ = state.observe(request(for: address), at: "host/br0", timeNs: 1_000_000_000)
        _ = state.observe(reply(from: a), at: "host/br0", timeNs: 1_000_100_000)
        let events = state.observe(reply(from: b), at: "host/br0", timeNs: 1_000_300_000)
        #expect(events.map(\.kind) == [.duplicate])
        #expect(events.first?.previousMAC == a)
    }

    @Test("gratuitous announcements are reported once per bridge, not once per port")
    func gratuitous() {
        var state = WatchState()
        let announcement = ARPPacket(
            operation: .request,
            senderMAC: a,
            senderIP: address,
            targetMAC: .zero,
            targetIP: address
        )
        let first = state.observe(announcement, at: "host/br0", timeNs: 1_000_000_000)
        let copy = state.observe(announcement, at: "host/veth1", timeNs: 1_000_050_000)
        #expect(first.map(\.kind) == [.gratuitous, .newStation])
        #expect(copy.isEmpty)
        // Listener threads may hand frames over out of time order; an earlier stamp must not trap or repeat.
        let earlier = state.observe(announcement, at: "host/veth2", timeNs: 999_000_000)
        #expect(earlier.isEmpty)
    }

    @Test("a request nobody answers is reported after the timeout, an answered one never")
    func unanswered() {
        var state = WatchState(unansweredAfterNs: 1_000_000_000)
        let silent = IPv4Address("198.51.100.99")!
        _ = state.observe(request(for: silent), at: "netns:x/eth0", timeNs: 1_000_000_000)
        _ = state.observe(request(for: address), at: "netns:x/eth0", timeNs: 1_000_000_000)
        _ = state.observe(reply(from: a), at: "netns:x/eth0", timeNs: 1_000_200_000)
        #expect(state.expire(nowNs: 1_500_000_000).isEmpty)
        let late = state.expire(nowNs: 2_100_000_000)
        #expect(late.map(\.kind) == [.unanswered])
        #expect(late.first?.ip == silent)
        #expect(late.first?.location == "netns:x/eth0")
        #expect(state.expire(nowNs: 5_000_000_000).isEmpty)
    }
}
