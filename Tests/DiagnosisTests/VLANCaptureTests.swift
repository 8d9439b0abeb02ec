import Diagnosis
import Foundation
import LinuxNet
import NetworkModel
import PacketCapture
import PacketCodec
import Testing
import Topology
import Trace

/// VLAN_MISMATCH from frames the kernel really carried: this kernel has no 802.1Q devices, but a tagged frame
/// crafted and sent through AF_PACKET crosses a veth like any other, and libpcap captures its tag.
@Suite("VLAN tags captured for real", .enabled(if: getuid() == 0, "needs root"))
struct VLANCaptureTests {
    @Test("a frame tagged 211 reaching a bridge port with no VLAN 211 interface is VLAN_MISMATCH; untagged is not")
    func taggedFrame() throws {
        let tag = String(UInt32.random(in: 0..<UInt32.max), radix: 36)
        let (left, right) = ("lxcdiag-t\(tag)-a", "lxcdiag-t\(tag)-b")
        defer { for ns in [left, right] { _ = try? ExternalCommand.run(["ip", "netns", "del", ns]) } }
        for ns in [left, right] { try ExternalCommand.check(["ip", "netns", "add", ns]) }
        try ExternalCommand.check([
            "ip", "-n", left, "link", "add", "va", "type", "veth", "peer", "name", "vb", "netns", right,
        ])
        try ExternalCommand.check(["ip", "-n", right, "link", "add", "br0", "type", "bridge"])
        try ExternalCommand.check(["ip", "-n", right, "link", "set", "vb", "master", "br0"])
        for (ns, dev) in [(left, "va"), (right, "vb"), (right, "br0")] {
            try ExternalCommand.check(["ip", "-n", ns, "link", "set", dev, "up"])
        }
        let source = MACAddress([2, 0, 0, 0, 2, 0x11])
        let capture = try withNetworkNamespace(.named(right)) {
            try PacketCapture(interface: "vb", options: CaptureOptions(filter: "ether src \(source)"))
        }
        capture.start()
        let sender = try withNetworkNamespace(.named(left)) { try PacketSocket(interface: "va") }
        let arp = ARPPacket(
            operation: .request,
            senderMAC: source,
            senderIP: IPv4Address(198, 51, 100, 1),
            targetMAC: .zero,
            targetIP: IPv4Address(198, 51, 100, 2)
        )
        for tags in [[VLANTag(id: 211)], []] {
            let frame = EthernetFrame(
                destination: .broadcast,
                source: source,
                vlanTags: tags,
                etherType: EtherType.arp,
                payload: arp.encoded()
            )
            try sender.send(frame.encoded())
        }
        let deadline = monotonicNanoseconds() + 2_000_000_000
        while capture.frames.count < 2 && monotonicNanoseconds() < deadline { usleep(2_000) }
        capture.stop()
        let hop = HopName(node: right, interface: "vb")
        let sightings = TaggedFrameSighting.sightings(at: hop, frames: capture.frames.map(\.bytes))
        #expect(sightings.map(\.vlanIDs) == [[211], []])

        let topology = try HostTopology.capture([TopologyTarget(name: right, kind: .netns, namespace: .named(right))])
        let findings = DoctorRules.findings(in: DiagnosisContext(topology: topology, taggedFrames: sightings))
        let mismatch = findings.filter { $0.code == FindingCode.vlanMismatch.rawValue }
        #expect(mismatch.count == 1)
        #expect(mismatch.first?.location == hop)
        #expect(mismatch.first?.summary.contains("tagged 211") == true)
    }
}
