package import PacketCodec

/// An ARP packet as it travelled: the Ethernet addresses around it and the VLAN it was tagged with.
package struct ARPFrame: Sendable, Hashable {
    package var destination: MACAddress
    package var source: MACAddress
    /// The 802.1Q VLAN id, nil for an untagged frame.
    package var vlan: UInt16?
    package var packet: ARPPacket

    package init(destination: MACAddress, source: MACAddress, vlan: UInt16? = nil, packet: ARPPacket) {
        self.destination = destination
        self.source = source
        self.vlan = vlan
        self.packet = packet
    }

    /// The frame's bytes, with an in-band 802.1Q tag when `vlan` is set, padded to 60 bytes.
    package func encoded() -> [UInt8] {
        EthernetFrame(
            destination: destination,
            source: source,
            vlanTags: vlan.map { [VLANTag(id: $0)] } ?? [],
            etherType: EtherType.arp,
            payload: packet.encoded()
        ).encoded()
    }

    /// Decodes an ARP frame; `strippedTCI` is the tag the kernel took off (PACKET_AUXDATA), which wins over
    /// none in the bytes. Nil for frames that are not ARP or are malformed.
    package init?(bytes: [UInt8], strippedTCI: UInt16? = nil) {
        guard let ethernet = try? EthernetFrame(decoding: bytes), ethernet.etherType == EtherType.arp,
            ethernet.payload.count >= ARPPacket.length,
            let packet = try? ARPPacket(decoding: ethernet.payload.prefix(ARPPacket.length))
        else { return nil }
        self.destination = ethernet.destination
        self.source = ethernet.source
        self.packet = packet
        if let tci = strippedTCI {
            vlan = VLANTag(tci: tci).id
        } else {
            vlan = ethernet.vlanTags.first?.id
        }
    }

    /// A broadcast who-has request for `target` from `mac`/`ip`.
    package static func request(
        for target: IPv4Address,
        from mac: MACAddress,
        ip: IPv4Address,
        vlan: UInt16? = nil
    ) -> ARPFrame {
        ARPFrame(
            destination: .broadcast,
            source: mac,
            vlan: vlan,
            packet: ARPPacket(operation: .request, senderMAC: mac, senderIP: ip, targetMAC: .zero, targetIP: target)
        )
    }

    /// An RFC 5227 probe: a request for `target` with sender address 0.0.0.0.
    package static func probe(for target: IPv4Address, from mac: MACAddress, vlan: UInt16? = nil) -> ARPFrame {
        request(for: target, from: mac, ip: .any, vlan: vlan)
    }

    /// A gratuitous ARP announcing that `ip` is at `mac`, in request or reply form (both broadcast).
    package static func announcement(
        of ip: IPv4Address,
        at mac: MACAddress,
        form: ARPPacket.Operation,
        vlan: UInt16? = nil
    ) -> ARPFrame {
        ARPFrame(
            destination: .broadcast,
            source: mac,
            vlan: vlan,
            packet: ARPPacket(
                operation: form,
                senderMAC: mac,
                senderIP: ip,
                targetMAC: form == .reply ? mac : .zero,
                targetIP: ip
            )
        )
    }

    /// The unicast reply `mac` gives to `request` for its own address `ip`.
    package static func reply(to request: ARPFrame, from mac: MACAddress, ip: IPv4Address) -> ARPFrame {
        ARPFrame(
            destination: request.source,
            source: mac,
            vlan: request.vlan,
            packet: ARPPacket(
                operation: .reply,
                senderMAC: mac,
                senderIP: ip,
                targetMAC: request.packet.senderMAC,
                targetIP: request.packet.senderIP
            )
        )
    }
}
