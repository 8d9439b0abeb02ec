import Diagnosis
import NetworkModel
import PacketCodec
import Testing
import Topology
import Trace

/// The macvlan rules on constructed values: ct3 and ct4 are macvlan children of the host's br0.
@Suite("Macvlan rules on constructed values")
struct MacvlanRuleTests {
    static let ct3IP = IPv4Address(192, 0, 2, 13)
    static let ct4IP = IPv4Address(192, 0, 2, 14)

    private func lab(mode3: MacvlanMode, mode4: MacvlanMode, hostAddress: Bool = false) -> ConstructedLab {
        var lab = ConstructedLab()
        for (name, ip, last) in [("ct3", Self.ct3IP, UInt8(0x13)), ("ct4", Self.ct4IP, UInt8(0x14))] {
            var snapshot = NamespaceSnapshot(node: NetworkNode(name: name, kind: .lxc))
            var child = ConstructedLab.link(2, "eth0", .macvlan, mac: MACAddress([2, 0, 0, 0, 0, last]))
            child.macvlan = MacvlanSettings(mode: name == "ct3" ? mode3 : mode4)
            child.parent = LinkReference(node: "host", index: 3, name: "br0")
            snapshot.links = [child]
            snapshot.addresses = [ConstructedLab.address(name, 2, "eth0", ip)]
            snapshot.routes = [ConstructedLab.connected(name, 2, "eth0")]
            if name == "ct3" { lab.ct1 = snapshot } else { lab.ct2 = snapshot }
        }
        if hostAddress {
            lab.host.addresses = [ConstructedLab.address("host", 3, "br0", IPv4Address(192, 0, 2, 3))]
            lab.host.routes = [ConstructedLab.connected("host", 3, "br0")]
        }
        return lab
    }

    private func lostTrace(from: (String, IPv4Address), to: (String, IPv4Address)) -> TraceReport {
        var report = ConstructedTrace.stopped(after: 0)
        report.from = EndpointSummary(
            endpoint: from.0,
            node: from.0,
            interface: from.0 == "host" ? "br0" : "eth0",
            ip: from.1,
            mac: nil
        )
        report.to = EndpointSummary(endpoint: to.0, node: to.0, interface: "eth0", ip: to.1, mac: nil)
        return report
    }

    @Test("MACVLAN_PRIVATE_MODE: ct3 to ct4 lost with ct4 in private mode")
    func privateMode() throws {
        let lab = lab(mode3: .bridge, mode4: .private)
        let report = lostTrace(from: ("ct3", Self.ct3IP), to: ("ct4", Self.ct4IP))
        let findings = TraceDiagnosis.findings(for: report, in: lab.context)
        let finding = try #require(findings.first { $0.code == "MACVLAN_PRIVATE_MODE" })
        #expect(finding.location?.description == "ct4:eth0")
        #expect(finding.fix.hasPrefix("lxc-attach -n ct4 -- ip link set dev eth0 type macvlan mode bridge"))
    }

    @Test("MACVLAN_VEPA_NO_HAIRPIN: ct3 in vepa mode cannot reach its sibling")
    func vepa() throws {
        let lab = lab(mode3: .vepa, mode4: .vepa)
        let report = lostTrace(from: ("ct3", Self.ct3IP), to: ("ct4", Self.ct4IP))
        let codes = TraceDiagnosis.findings(for: report, in: lab.context).map(\.code)
        #expect(codes.contains("MACVLAN_VEPA_NO_HAIRPIN"))
        #expect(!codes.contains("MACVLAN_PRIVATE_MODE"))
    }

    @Test("bridge-mode siblings that cannot talk are not blamed on the mode")
    func bridgeModeNotBlamed() {
        let lab = lab(mode3: .bridge, mode4: .bridge)
        let report = lostTrace(from: ("ct3", Self.ct3IP), to: ("ct4", Self.ct4IP))
        let codes = TraceDiagnosis.findings(for: report, in: lab.context).map(\.code)
        #expect(!codes.contains { $0.hasPrefix("MACVLAN") })
    }

    @Test("MACVLAN_PARENT_ISOLATION: the host reaches ct3 from br0, ct3's own parent")
    func parentIsolation() throws {
        let lab = lab(mode3: .bridge, mode4: .bridge, hostAddress: true)
        let report = lostTrace(from: ("host", IPv4Address(192, 0, 2, 3)), to: ("ct3", Self.ct3IP))
        let finding = try #require(
            TraceDiagnosis.findings(for: report, in: lab.context).first { $0.code == "MACVLAN_PARENT_ISOLATION" }
        )
        #expect(finding.location?.description == "host:br0")
    }

    @Test("doctor: a parent holding an address in its children's subnet, and private children with siblings")
    func doctor() {
        let findings = DoctorRules.findings(in: lab(mode3: .private, mode4: .bridge, hostAddress: true).context)
        #expect(findings.contains { $0.code == "MACVLAN_PARENT_ISOLATION" && $0.location?.description == "host:br0" })
        #expect(findings.contains { $0.code == "MACVLAN_PRIVATE_MODE" && $0.location?.description == "ct3:eth0" })
        let healthy = DoctorRules.findings(in: lab(mode3: .bridge, mode4: .bridge).context)
        #expect(!healthy.contains { $0.code.hasPrefix("MACVLAN") })
    }
}
