import ARPSuite
import PacketCodec
import TestSupport
import Testing

@Suite("ARP frames against scapy", .enabled(if: scapyAvailable, "needs /usr/bin/python3 with scapy"))
struct ARPFrameTests {
    let mac = MACAddress("02:00:5e:10:00:01")!
    let ip = IPv4Address("198.51.100.1")!
    let target = IPv4Address("198.51.100.77")!

    @Test("a tagged request decodes in scapy to the same fields")
    func taggedRequestDecodesInScapy() throws {
        let frame = ARPFrame.request(for: target, from: mac, ip: ip, vlan: 211)
        let fields = try scapy(
            """
            p = Ether(bytes.fromhex(sys.stdin.read().strip()))
            print(p.dst, p.src, p[Dot1Q].vlan, p[Dot1Q].type, p[ARP].op, p[ARP].hwsrc, p[ARP].psrc, p[ARP].hwdst, \
            p[ARP].pdst, len(bytes(p)))
            """,
            input: hex(frame.encoded())
        )
        #expect(fields == "ff:ff:ff:ff:ff:ff \(mac) 211 2054 1 \(mac) \(ip) 00:00:00:00:00:00 \(target) 60")
    }

    @Test("probe and announcements have the RFC 5227 fields in scapy's reading")
    func probeAndAnnouncements() throws {
        let frames = [
            ARPFrame.probe(for: target, from: mac),
            ARPFrame.announcement(of: ip, at: mac, form: .request),
            ARPFrame.announcement(of: ip, at: mac, form: .reply),
        ]
        let lines = try scapy(
            """
            for line in sys.stdin.read().split():
                a = Ether(bytes.fromhex(line))[ARP]
                print(a.op, a.psrc, a.pdst, a.hwdst)
            """,
            input: frames.map { hex($0.encoded()) }.joined(separator: "\n")
        )
        #expect(
            lines.split(separator: "\n") == [
                "1 0.0.0.0 \(target) 00:00:00:00:00:00",
                "1 \(ip) \(ip) 00:00:00:00:00:00",
                "2 \(ip) \(ip) \(mac)",
            ]
        )
    }

    @Test("frames scapy builds decode, tagged in-band or with the tag the kernel stripped")
    func decodesScapyFrames() throws {
        let lines = try scapy(
            """
            a = ARP(op=2, hwsrc='02:00:5e:10:00:09', psrc='198.51.100.9', hwdst='02:00:5e:10:00:01', pdst='198.51.100.1')
            print(bytes(Ether(dst='02:00:5e:10:00:01', src='02:00:5e:10:00:09')/Dot1Q(vlan=103, prio=5)/a).hex())
            print(bytes(Ether(dst='02:00:5e:10:00:01', src='02:00:5e:10:00:09')/a).hex())
            print(bytes(Ether(dst='02:00:5e:10:00:01', src='02:00:5e:10:00:09')/IP()/ICMP()).hex())
            """
        ).split(separator: "\n").map { bytes(fromHex: String($0)) }
        let tagged = try #require(ARPFrame(bytes: lines[0]))
        #expect(tagged.vlan == 103)
        #expect(tagged.packet.operation == .reply)
        #expect(tagged.packet.senderIP == IPv4Address("198.51.100.9"))
        #expect(tagged.packet.senderMAC == MACAddress("02:00:5e:10:00:09"))
        #expect(tagged.packet.targetIP == ip)
        let untagged = try #require(ARPFrame(bytes: lines[1]))
        #expect(untagged.vlan == nil)
        // PACKET_AUXDATA's TCI (priority 5, VLAN 103) stands for the stripped tag.
        let stripped = try #require(ARPFrame(bytes: lines[1], strippedTCI: 5 << 13 | 103))
        #expect(stripped.vlan == 103)
        #expect(ARPFrame(bytes: lines[2]) == nil)
        #expect(ARPFrame(bytes: Array(lines[1].prefix(30))) == nil)
    }
}
