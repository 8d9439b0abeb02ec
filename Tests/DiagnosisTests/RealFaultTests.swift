import Diagnosis
import Foundation
import Investigation
import KernelDrops
import Lab
import LabFaults
import LinuxNet
import NetworkModel
import Testing
import Topology
import Trace

/// Every lab fault made for real in an isolated lab (plain namespaces): the trace between the fault's endpoints,
/// read with the lab's wiring and settings, must name the fault's finding code; the fault's undo must leave a
/// healthy lab.
@Suite("Lab faults made for real, named by trace and rules", .serialized, .enabled(if: getuid() == 0, "needs root"))
struct RealFaultTests {
    @Test("the healthy lab: ext reaches ct1 and the rules find nothing")
    func healthy() throws {
        let lab = try FaultLab()
        defer { lab.tearDown() }
        let (report, findings, _) = try lab.diagnose(from: "ext", to: "ct1")
        #expect(report.verdict == .reachable)
        #expect(findings.isEmpty, "\(findings.map(\.code))")
        // The lab's standing risk, as in the seed's wiring: br0 hears em2's segment and answers ARP for em2's
        // address. (The switch sw0 shares the outside namespace with the client, but the lab sets it NOARP.)
        let doctor = try lab.doctor().findings.map {
            "\($0.code) \($0.severity.rawValue) \($0.location.map { "\($0)" } ?? "")"
        }
        #expect(
            doctor.sorted() == ["ARP_FLUX warning \(lab.netns("host")):br0"]
        )
    }

    // Faults that need VLANs or netem run in the VM suite (probes/vm/vlan-suite.sh).
    @Test("the trace names the fault", arguments: LabFaultCatalogue.all.filter { $0.needs == nil }.map(\.name))
    func fault(_ name: String) throws {
        let fault = try #require(LabFaultCatalogue.fault(named: name))
        let lab = try FaultLab()
        defer { lab.tearDown() }
        let ports = fault.traceTransports
        let before = Set(
            try lab.diagnose(from: fault.traceFrom, to: fault.traceTo, transports: ports).findings.map(\.code)
        )
        try lab.faults.apply(fault)
        let (report, findings, _) = try lab.diagnose(from: fault.traceFrom, to: fault.traceTo, transports: ports)
        let codes = findings.map(\.code)
        print("\(name): verdict \(report.verdict.rawValue), findings \(codes)")
        #expect(codes.contains(fault.code.rawValue), "\(name): \(codes) \(report.drop.map { "\($0)" } ?? "no drop")")
        if !before.contains(fault.code.rawValue) {
            #expect(codes.first == fault.code.rawValue, "\(name): the fault's code should lead, got \(codes)")
        }
        let finding = findings.first { $0.code == fault.code.rawValue }
        #expect(finding?.fix.isEmpty == false)
        #expect(finding?.evidence.isEmpty == false)
        #expect(try lab.faults.fix(name).isEmpty)
        #expect(try lab.faults.records().isEmpty)
        // The undo restores the lab: the same findings as before the fault (the lab itself has some on paths
        // such as ext -> em2, where br0 answers ARP for em2's address too).
        if fault.code == .nothingListens { try lab.waitForListener() }
        let after = Set(
            try lab.diagnose(from: fault.traceFrom, to: fault.traceTo, transports: ports).findings.map(\.code)
        )
        #expect(after == before, "\(name): before \(before.sorted()), after the fix \(after.sorted())")
    }

    @Test("DiagnosedTrace: one call reads the wiring, traces, and puts the rules' findings first")
    func diagnosedTrace() throws {
        let lab = try FaultLab()
        defer { lab.tearDown() }
        try lab.faults.apply(try #require(LabFaultCatalogue.fault(named: "port-blocking")))
        let plan = TracePlan(
            source: lab.endpoint("ext"),
            target: lab.endpoint("ct1"),
            hops: lab.hops(from: "ext", to: "ct1"),
            options: TraceOptions()
        )
        let (outcome, problems) = try DiagnosedTrace.run(plan)
        #expect(problems.isEmpty, "\(problems)")
        let codes = outcome.report.findings.map(\.code)
        #expect(codes.first == "BRIDGE_PORT_NOT_FORWARDING", "\(codes)")
        // The trace's own observations stay, after the catalogue's.
        #expect(codes.dropFirst().contains { $0 == $0.lowercased() }, "\(codes)")
        #expect(outcome.report.verdict == .unreachable)
    }

    @Test(
        "the kernel's drop reason becomes evidence of the finding",
        arguments: [("container-input-drop", "NETFILTER_DROP")]
    )
    func kernelEvidence(_ name: String, _ reason: String) throws {
        let fault = try #require(LabFaultCatalogue.fault(named: name))
        let lab = try FaultLab()
        defer { lab.tearDown() }
        try lab.faults.apply(fault)
        let (_, findings, drops) = try lab.diagnose(from: fault.traceFrom, to: fault.traceTo, recordDrops: true)
        let recorded = try #require(drops, "tracefs is not available here")
        #expect(recorded.contains { $0.reason == reason }, "\(recorded.map(\.reason))")
        let finding = try #require(findings.first { $0.code == fault.code.rawValue })
        #expect(finding.evidence.contains { $0.hasPrefix("kernel dropped it: \(reason)") }, "\(finding.evidence)")
        #expect(!findings.contains { $0.code == "KERNEL_DROP" }, "explained drops are not KERNEL_DROP")
        // Copies flooded up to br0's own stack die as OTHERHOST; they are not where the probe died.
        #expect(!finding.evidence.contains { $0.contains("OTHERHOST") }, "\(finding.evidence)")
    }
}

/// The same faults on a lab of real LXC containers (busybox, started inside the lab's host namespace): faults
/// reach the containers through their init's namespace, and the trace runs into them by PID.
@Suite(
    "Lab faults in real LXC containers",
    .serialized,
    .enabled(if: getuid() == 0 && ExternalCommand.locate("lxc-start") != nil, "needs root and LXC")
)
struct LXCFaultTests {
    @Test(
        "trace and doctor name the fault",
        arguments: [
            ("container-input-drop", false), ("arp-flux", true), ("container-mtu", true), ("macvlan-private", true),
        ]
    )
    func fault(_ name: String, _ doctorSees: Bool) throws {
        let fault = try #require(LabFaultCatalogue.fault(named: name))
        let lab = try FaultLab(backend: .lxc)
        defer { lab.tearDown() }
        #expect(lab.target("ct1").kind == .lxc, "ct1 is an LXC container")
        try lab.faults.apply(fault)
        let (_, findings, _) = try lab.diagnose(from: fault.traceFrom, to: fault.traceTo)
        #expect(findings.first?.code == fault.code.rawValue, "\(name): \(findings.map(\.code))")
        if doctorSees {
            let doctor = try lab.doctor().findings.map(\.code)
            #expect(doctor.contains(fault.code.rawValue), "\(name): doctor \(doctor)")
        }
        #expect(try lab.faults.fix(name).isEmpty)
        let after = try lab.diagnose(from: fault.traceFrom, to: fault.traceTo).findings.map(\.code)
        #expect(!after.contains(fault.code.rawValue), "\(name) after the fix: \(after)")
    }
}
