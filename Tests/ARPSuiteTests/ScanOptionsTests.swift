import ARPSuite
import PacketCodec
import Testing

@Suite struct ScanOptionsTests {
    @Test("-f FILE: addresses and CIDRs, comments, each address once, and the network holding them all")
    func targetFile() throws {
        let (network, targets) = try ScanTargets.parse(
            "192.0.2.9\n\n# a comment\n192.0.2.0/30  # two hosts\n192.0.2.9\n",
            source: "t.txt"
        )
        #expect(targets.map(\.description) == ["192.0.2.9", "192.0.2.1", "192.0.2.2"])
        #expect(network.description == "192.0.2.0/28")
        #expect(throws: ARPError.self) { try ScanTargets.parse("192.0.2.1\nnot-an-address\n", source: "t.txt") }
        #expect(throws: ARPError.self) { try ScanTargets.parse("# nothing\n", source: "t.txt") }
    }

    @Test("--format: arp-scan's fields with widths; unknown fields and open braces are usage errors")
    func format() throws {
        let responder = Responder(
            ip: IPv4Address("192.0.2.7")!,
            mac: MACAddress("02:00:00:00:00:07")!,
            rttNs: 1_500_000
        )
        let format = try ResponderFormat("${ip;-12}|${mac}|${vendor}|${rtt;10}|${dup}\\t.")
        #expect(
            format.render(responder, duplicate: 1)
                == "192.0.2.7   |02:00:00:00:00:07|(locally administered)|  1.500 ms|\t."
        )
        #expect(try ResponderFormat("${dup}").render(responder, duplicate: 2) == "(DUP: 2)")
        #expect(throws: ARPError.self) { try ResponderFormat("${name}") }
        #expect(throws: ARPError.self) { try ResponderFormat("${ip") }
        #expect(throws: ARPError.self) { try ResponderFormat("${ip;wide}") }
    }

    @Test("a globally administered MAC without a vendor is an unknown vendor, not locally administered")
    func origin() {
        let global = Responder(ip: IPv4Address("192.0.2.7")!, mac: MACAddress("00:16:3e:00:00:07")!, rttNs: nil)
        #expect(global.vendorOrOrigin == "(unknown vendor)")
    }

    @Test("the station database reads arpwatch's arp.dat lines and writes them back")
    func stationDatabase() {
        let text =
            "02:00:00:00:00:07\t192.0.2.7\t1764633600\text/eth0\n0:11:22:33:44:55\t192.0.2.8\t1764633600\thost\n"
            + "garbage\n"
        let (database, skipped) = StationDatabase.parse(text)
        #expect(skipped == 1)
        #expect(database.stations[IPv4Address("192.0.2.8")!] == MACAddress("00:11:22:33:44:55"))
        #expect(database.locations[IPv4Address("192.0.2.7")!] == "ext/eth0")
        let written = database.text(writtenAt: 5)
        #expect(written == "02:00:00:00:00:07\t192.0.2.7\t5\text/eth0\n00:11:22:33:44:55\t192.0.2.8\t5\thost\n")
        #expect(StationDatabase.parse(written).0 == database)
    }

    @Test("a remembered station is no new station; a new MAC for it is a change")
    func remembered() {
        var state = WatchState()
        let ip = IPv4Address("192.0.2.7")!
        state.remember(ip, at: MACAddress("02:00:00:00:00:07")!)
        func gratuitous(_ mac: String) -> ARPPacket {
            ARPPacket(operation: .request, senderMAC: MACAddress(mac)!, senderIP: ip, targetMAC: .zero, targetIP: ip)
        }
        let same = gratuitous("02:00:00:00:00:07")
        #expect(!state.observe(same, at: "host/eth0", timeNs: 1).contains { $0.kind == .newStation })
        let moved = gratuitous("02:00:00:00:00:08")
        #expect(state.observe(moved, at: "host/eth0", timeNs: 2).map(\.kind).contains(.changed))
    }
}
