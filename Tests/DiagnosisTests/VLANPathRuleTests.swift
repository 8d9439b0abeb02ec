import Diagnosis
import NetworkModel
import Testing
import Topology
import Trace

/// VLAN_MISMATCH on a VLAN-filtering br0, from constructed values: the port where the frame's VLAN stops
/// matching is named. (Made for real in the VM: probes/vm/vlan-suite.sh.)
@Suite("VLAN rule on a VLAN-filtering bridge, on constructed values")
struct VLANPathRuleTests {
    /// The constructed lab with br0 filtering VLANs: em1 a trunk of 211 and 103, vct1 and vct2 given `vct1`.
    private func lab(em1: [PortVLAN], vct1: [PortVLAN]) -> ConstructedLab {
        var lab = ConstructedLab()
        ConstructedLab.change(&lab.host, "br0") { $0.bridge?.vlanFiltering = true }
        ConstructedLab.change(&lab.host, "em1") { $0.bridgePort?.vlans = em1 }
        ConstructedLab.change(&lab.host, "vct1") { $0.bridgePort?.vlans = vct1 }
        ConstructedLab.change(&lab.host, "vct2") {
            $0.bridgePort?.vlans = [PortVLAN(vid: 103, pvid: true, untagged: true)]
        }
        return lab
    }

    /// ext to ct1 with the ARP request seen up to br0 (tagged `tag` on em1), never on vct1 and beyond.
    private func stoppedAtBridge(tag: UInt16?) -> TraceReport {
        var report = ConstructedTrace.report([.init(kind: .arp, requestReached: 2, replied: false)])
        if let tag { report.probes[0].hops[1].request.vlanIDs = [tag] }
        return report
    }

    private func mismatches(_ report: TraceReport, _ lab: ConstructedLab) -> [Finding] {
        TraceDiagnosis.findings(for: report, in: lab.context).filter { $0.code == FindingCode.vlanMismatch.rawValue }
    }

    @Test("a container port without the VLAN its frames arrive in: named at that port, the fix adds it as PVID")
    func missingAccessVLAN() throws {
        let trunk = [PortVLAN(vid: 211), PortVLAN(vid: 103)]
        let found = mismatches(stoppedAtBridge(tag: 211), lab(em1: trunk, vct1: []))
        let finding = try #require(found.first)
        #expect(found.count == 1)
        #expect(finding.location == HopName(node: "host", interface: "vct1"))
        #expect(finding.fix == "bridge vlan add dev vct1 vid 211 pvid untagged", "\(finding.fix)")
        #expect(finding.evidence.contains("host:em1: the frame is in VLAN 211 (tagged 211 on host:em1)"))
    }

    @Test("a trunk that does not carry the VLAN: named at the trunk, the fix adds the VID tagged")
    func trunkWithoutVLAN() throws {
        // The frame enters untagged on em1 (PVID 103) and must leave by vct1, a trunk carrying 211 only.
        let em1 = [PortVLAN(vid: 103, pvid: true, untagged: true)]
        let found = mismatches(stoppedAtBridge(tag: nil), lab(em1: em1, vct1: [PortVLAN(vid: 211)]))
        let finding = try #require(found.first)
        #expect(finding.location == HopName(node: "host", interface: "vct1"))
        #expect(finding.fix == "bridge vlan add dev vct1 vid 103", "\(finding.fix)")
    }

    @Test("the walk stops inside the bridge: the side trunk that does not carry the frame's VLAN is named")
    func sideTrunkWithoutVLAN() throws {
        // The frame enters untagged on em1 (PVID 103); the path has no egress port, vct2 is a trunk of 211 only.
        var lab = lab(em1: [PortVLAN(vid: 103, pvid: true, untagged: true)], vct1: [PortVLAN(vid: 211)])
        ConstructedLab.change(&lab.host, "vct2") { $0.bridgePort?.vlans = [PortVLAN(vid: 211)] }
        // Seen up to em1 only: the flooded copy never reaches vct2 either.
        var report = ConstructedTrace.report([.init(kind: .arp, requestReached: 1, replied: false)])
        report.probes[0].hops.removeAll { $0.interface == "vct1" }
        let found = mismatches(report, lab)
        let finding = try #require(found.first)
        #expect(found.count == 1)
        #expect(finding.location == HopName(node: "host", interface: "vct2"))
        #expect(finding.fix == "bridge vlan add dev vct2 vid 103", "\(finding.fix)")
    }

    @Test("an untagged frame on a port without a PVID: named at the port it entered")
    func noPVID() throws {
        let found = mismatches(stoppedAtBridge(tag: nil), lab(em1: [PortVLAN(vid: 211)], vct1: []))
        let finding = try #require(found.first)
        #expect(finding.location == HopName(node: "host", interface: "em1"))
        #expect(finding.summary.contains("no PVID"))
    }

    @Test("nothing when the VLANs match, or when the bridge does not filter VLANs")
    func silent() {
        let trunk = [PortVLAN(vid: 211), PortVLAN(vid: 103)]
        let access = [PortVLAN(vid: 211, pvid: true, untagged: true)]
        #expect(mismatches(stoppedAtBridge(tag: 211), lab(em1: trunk, vct1: access)).isEmpty)
        var plain = lab(em1: trunk, vct1: [])
        ConstructedLab.change(&plain.host, "br0") { $0.bridge?.vlanFiltering = false }
        #expect(mismatches(stoppedAtBridge(tag: 211), plain).isEmpty)
        #expect(mismatches(ConstructedTrace.healthy(), lab(em1: trunk, vct1: [])).isEmpty)
    }
}
