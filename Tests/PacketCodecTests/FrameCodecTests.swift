import PacketCodec
import TestSupport
import Testing

@Suite("Frame codecs against scapy", .enabled(if: scapyAvailable, "needs python3-scapy"))
struct FrameCodecTests {
    let mac = MACAddress([0x02, 0x00, 0x5e, 0x10, 0x00, 0x01])
    let peer = MACAddress([0x02, 0x00, 0x5e, 0x10, 0x00, 0x02])

    @Test("an ARP request in a double-tagged frame decodes the same in scapy")
    func arpTaggedEncodes() throws {
        let arp = ARPPacket(
            operation: .request,
            senderMAC: mac,
            senderIP: IPv4Address(192, 0, 2, 1),
            targetMAC: .zero,
            targetIP: IPv4Address(192, 0, 2, 11)
        )
        let frame = EthernetFrame(
            destination: .broadcast,
            source: mac,
            vlanTags: [VLANTag(id: 100, protocolID: EtherType.qinq), VLANTag(id: 211, priority: 5)],
            etherType: EtherType.arp,
            payload: arp.encoded()
        )
        let bytes = frame.encoded()
        #expect(bytes.count == 60)
        let fields = try scapy(
            """
            p = Ether(bytes.fromhex('\(TestSupport.hex(bytes))'))
            outer = p[Dot1AD]; inner = p[Dot1Q]
            print(p.dst, p.src, p.type == 0x88a8, outer.vlan, inner.vlan, inner.prio, p[ARP].op, p[ARP].psrc, p[ARP].pdst, p[ARP].hwsrc)
            """
        )
        #expect(fields == "ff:ff:ff:ff:ff:ff 02:00:5e:10:00:01 True 100 211 5 1 192.0.2.1 192.0.2.11 02:00:5e:10:00:01")
    }

    @Test("an ICMP echo with DF encodes as scapy sees it, checksums included")
    func icmpEncodes() throws {
        let icmp = ICMPMessage(
            type: ICMPMessage.echoRequest,
            identifier: 0x4c58,
            sequence: 7,
            payload: Array("lxcdiag-nonce".utf8)
        )
        let ip = IPv4Packet(
            source: IPv4Address(192, 0, 2, 1),
            destination: IPv4Address(192, 0, 2, 11),
            protocolNumber: IPv4Packet.protocolICMP,
            payload: icmp.encoded(),
            identification: 0x1234
        )
        let bytes = EthernetFrame(destination: peer, source: mac, etherType: EtherType.ipv4, payload: ip.encoded())
            .encoded()
        let fields = try scapy(
            """
            p = Ether(bytes.fromhex('\(TestSupport.hex(bytes))'))
            ip = p[IP]; ic = p[ICMP]
            ipc, icc = ip.chksum, ic.chksum
            del ip.chksum; del ic.chksum
            q = Ether(bytes(p))
            print(ip.src, ip.dst, ip.flags, ip.id, ip.len, ic.type, ic.id, ic.seq, bytes(ic.payload)[:13].decode(), ipc == q[IP].chksum, icc == q[ICMP].chksum)
            """
        )
        #expect(fields == "192.0.2.1 192.0.2.11 DF 4660 41 8 19544 7 lxcdiag-nonce True True")
    }

    @Test("a TCP SYN and a UDP datagram encode as scapy sees them, pseudo-header checksums included")
    func transportEncodes() throws {
        let source = IPv4Address(192, 0, 2, 1)
        let destination = IPv4Address(192, 0, 2, 11)
        let syn = TCPSegment(sourcePort: 40_002, destinationPort: 443, sequence: 0xdead_beef, flags: TCPSegment.syn)
        let udp = UDPDatagram(sourcePort: 40_003, destinationPort: 53, payload: Array("lxcdiag".utf8))
        var lines: [String] = []
        for (number, payload) in [
            (TCPSegment.protocolNumber, syn.encoded(source: source, destination: destination)),
            (UDPDatagram.protocolNumber, udp.encoded(source: source, destination: destination)),
        ] {
            let ip = IPv4Packet(source: source, destination: destination, protocolNumber: number, payload: payload)
            lines.append(
                try scapy(
                    """
                    p = IP(bytes.fromhex('\(hex(ip.encoded()))'))
                    l4 = p[TCP] if TCP in p else p[UDP]
                    sent = l4.chksum
                    del l4.chksum
                    q = IP(bytes(p))
                    again = q[TCP].chksum if TCP in q else q[UDP].chksum
                    extra = (l4.seq, str(l4.flags)) if TCP in p else (l4.len, bytes(l4.payload).decode())
                    print(l4.sport, l4.dport, *extra, sent == again)
                    """
                )
            )
        }
        #expect(lines == ["40002 443 3735928559 S True", "40003 53 15 lxcdiag True"])
        // Decoding gives back the fields.
        let decoded = try TCPSegment(decoding: syn.encoded(source: source, destination: destination))
        #expect(decoded == syn)
        #expect(try UDPDatagram(decoding: udp.encoded(source: source, destination: destination)) == udp)
    }

    @Test("frames scapy builds decode to the same fields")
    func decodesScapyFrames() throws {
        let hex = try scapy(
            """
            a = Ether(dst='02:00:5e:10:00:01', src='02:00:5e:10:00:02')/Dot1Q(vlan=103)/ARP(op=2, hwsrc='02:00:5e:10:00:02', psrc='192.0.2.11', hwdst='02:00:5e:10:00:01', pdst='192.0.2.1')
            b = Ether(dst='02:00:5e:10:00:01', src='02:00:5e:10:00:02')/IP(src='192.0.2.11', dst='192.0.2.1', ttl=63, flags='DF')/ICMP(type=0, id=77, seq=3)/b'pong'
            print(bytes(a).hex()); print(bytes(b).hex())
            """
        )
        let lines = hex.split(separator: "\n").map(String.init)
        try #require(lines.count == 2)
        let arpFrame = try EthernetFrame(decoding: TestSupport.bytes(fromHex: lines[0]))
        #expect(arpFrame.vlanTags == [VLANTag(id: 103)])
        let arp = try ARPPacket(decoding: arpFrame.payload)
        #expect(arp.operation == .reply)
        #expect(arp.senderIP == IPv4Address(192, 0, 2, 11))
        #expect(arp.senderMAC == peer)
        let ipFrame = try EthernetFrame(decoding: TestSupport.bytes(fromHex: lines[1]))
        let packet = try IPv4Packet(decoding: ipFrame.payload)
        #expect(packet.timeToLive == 63)
        #expect(packet.dontFragment)
        let echo = try ICMPMessage(decoding: packet.payload)
        #expect(echo.type == ICMPMessage.echoReply)
        #expect(echo.identifier == 77)
        #expect(echo.sequence == 3)
        #expect(echo.payload == Array("pong".utf8))
    }
}

@Suite("Decoders reject bad input")
struct DecoderRejectionTests {
    @Test("truncated frames and packets fail with a reason, never trap")
    func truncated() throws {
        let arp = ARPPacket(
            operation: .reply,
            senderMAC: MACAddress([2, 0, 0, 0, 0, 1]),
            senderIP: IPv4Address(192, 0, 2, 1),
            targetMAC: MACAddress([2, 0, 0, 0, 0, 2]),
            targetIP: IPv4Address(192, 0, 2, 2)
        ).encoded()
        for length in 0..<arp.count {
            #expect(throws: DecodeError.self) { try ARPPacket(decoding: arp.prefix(length)) }
        }
        for length in 0..<14 {
            #expect(throws: DecodeError.self) { try EthernetFrame(decoding: [UInt8](repeating: 0x81, count: length)) }
        }
        // A tag with nothing after it.
        #expect(throws: DecodeError.self) {
            try EthernetFrame(decoding: [UInt8](repeating: 0, count: 12) + [0x81, 0x00, 0x00, 0x05])
        }
    }

    @Test("corrupted IPv4 and ICMP checksums are caught")
    func checksums() throws {
        let icmp = ICMPMessage(type: 8, identifier: 1, sequence: 1, payload: [1, 2, 3])
        var packet = IPv4Packet(
            source: IPv4Address(1),
            destination: IPv4Address(2),
            protocolNumber: 1,
            payload: icmp.encoded()
        ).encoded()
        packet[8] ^= 0xff  // TTL changes, header checksum no longer matches
        #expect(throws: DecodeError("bad IPv4 header checksum")) { try IPv4Packet(decoding: packet) }
        var message = icmp.encoded()
        message[message.count - 1] ^= 1
        #expect(throws: DecodeError("bad ICMP checksum")) { try ICMPMessage(decoding: message) }
    }

    @Test("an IPv4 packet drops Ethernet padding beyond its total length")
    func padding() throws {
        let icmp = ICMPMessage(type: 8, identifier: 9, sequence: 1, payload: [])
        let ip = IPv4Packet(
            source: IPv4Address(1),
            destination: IPv4Address(2),
            protocolNumber: 1,
            payload: icmp.encoded()
        )
        let padded = EthernetFrame(
            destination: .broadcast,
            source: .zero,
            etherType: EtherType.ipv4,
            payload: ip.encoded()
        ).encoded()
        let decoded = try IPv4Packet(decoding: try EthernetFrame(decoding: padded).payload)
        #expect(decoded.payload.count == 8)
    }
}
