import Containers
import Diagnosis
import Foundation
import Investigation
import Lab
import LabFaults
import LinuxNet
import NetworkModel
import Testing
import Topology
import Trace

/// Doctor on an isolated real lab: each test makes one fault for real and checks doctor names it, without a probe.
@Suite("Doctor on a real lab", .serialized, .enabled(if: getuid() == 0, "needs root"))
struct DoctorIntegrationTests {
    /// The faults a configuration shows without any frame, with the code doctor must report and where.
    static let probeFree: [(fault: String, code: FindingCode, at: String)] = [
        ("port-blocking", .bridgePortNotForwarding, "host:veth-ct1"),
        ("flood-off", .bridgePortFloodDisabled, "host:veth-ct1"),
        ("br-netfilter-drop", .brNetfilterDrop, "host:br0"),
        ("container-link-down", .linkDown, "ct1:eth0"),
        ("container-mtu", .mtuMismatch, "ct1:eth0"),
        ("duplicate-mac", .duplicateMAC, "ct1:eth0"),
        ("macvlan-private", .macvlanPrivateMode, "ct3:eth0"),
        ("macvlan-vepa", .macvlanVepaNoHairpin, "ct3:eth0"),
        ("macvlan-parent-address", .macvlanParentIsolation, "host:br0"),
        ("arp-flux", .arpFlux, "ct1:eth0"),
        ("duplicate-ip", .duplicateIP, "ct2:eth0"),
        ("stale-neighbour", .staleNeighbour, "ext:eth0"),
        ("fdb-wrong-port", .fdbWrongPort, "host:veth-ct2"),
    ]

    @Test("doctor names the fault", arguments: probeFree.map(\.fault))
    func fault(_ name: String) throws {
        let (_, code, place) = try #require(Self.probeFree.first { $0.fault == name })
        let lab = try FaultLab()
        defer { lab.tearDown() }
        let before = try Self.summary(lab.doctor())
        #expect(!before.contains { $0.hasPrefix(code.rawValue) && $0.hasSuffix(place) }, "the healthy lab: \(before)")
        try lab.faults.apply(try #require(LabFaultCatalogue.fault(named: name)))
        let report = try lab.doctor()
        let parts = place.split(separator: ":").map(String.init)
        let location = HopName(node: lab.node(parts[0]), interface: parts[1])
        let finding = report.findings.first { $0.code == code.rawValue }
        #expect(
            finding?.location == location,
            "\(name): \(report.findings.map { "\($0.code) \($0.location.map { "\($0)" } ?? "")" })"
        )
        #expect(report.problems.isEmpty, "\(report.problems)")
        try lab.faults.fix(name)
        let after = try Self.summary(lab.doctor())
        #expect(after == before, "\(name) fixed")
    }

    /// Each finding as `CODE node:interface`.
    static func summary(_ report: DoctorReport) -> [String] {
        report.findings.map { "\($0.code) \($0.location.map { "\($0)" } ?? "")" }
    }

    @Test("STP with the default 15 s forward delay is a warning")
    func stpForwardDelay() throws {
        let lab = try FaultLab()
        defer { lab.tearDown() }
        try ExternalCommand.check([
            "ip", "-n", lab.netns("host"), "link", "set", "dev", "br0", "type", "bridge",
            "forward_delay", "1500", "stp_state", "1",
        ])
        let findings = try lab.doctor().findings.filter { $0.code == FindingCode.bridgePortNotForwarding.rawValue }
        let delay = try #require(findings.first { $0.location?.interface == "br0" })
        #expect(delay.severity == .warning)
        #expect(delay.summary.contains("15 s forward delay"))
    }

    @Test("an interface an LXC config declares and the container lacks, and a declared address that is missing")
    func declaredInterfaceMissing() throws {
        let lab = try FaultLab()
        defer { lab.tearDown() }
        let name = lab.netns("ct1")
        let net = lab.layout.addressing
        let ct1 = net.cidr(net.container(1))
        // The config a container would have; the namespace is the container's real one.
        let config = LXCConfig.parse(
            """
            lxc.net.0.type = veth
            lxc.net.0.link = br0
            lxc.net.0.name = eth0
            lxc.net.0.ipv4.address = \(ct1)
            lxc.net.1.type = veth
            lxc.net.1.link = br0
            lxc.net.1.name = eth1
            lxc.net.1.ipv4.address = \(net.cidr(net.fluxFault))
            """,
            file: "/var/lib/lxc/\(name)/config"
        )
        let container = LXCContainer(name: name, lxcpath: "/var/lib/lxc", config: config, initPid: getpid())
        let targets = [
            TopologyTarget(name: "host", kind: .host, namespace: .named(lab.netns("host"))),
            TopologyTarget(name: name, kind: .lxc, namespace: .named(name)),
        ]
        let report = try DoctorInspection.inspect(targets, containers: [container])
        let codes = report.findings.map { "\($0.code) \($0.location.map { "\($0)" } ?? "")" }
        #expect(codes.contains("LINK_DOWN \(name):eth1"), "\(codes)")
        #expect(!codes.contains("ADDRESS_NOT_CONFIGURED \(name):eth0"), "\(codes)")
        try ExternalCommand.check(["ip", "-n", name, "addr", "del", ct1, "dev", "eth0"])
        let after = try DoctorInspection.inspect(targets, containers: [container]).findings
        #expect(after.contains { $0.code == "ADDRESS_NOT_CONFIGURED" && $0.summary.contains(ct1) })
    }
}
