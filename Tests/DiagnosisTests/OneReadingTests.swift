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

/// A trace reads the host once: the rules diagnose the snapshot its endpoints were resolved in, and find what a
/// second reading of the plan's namespaces just before the probes found.
@Suite("Investigation: one reading of the host", .serialized, .enabled(if: getuid() == 0, "needs root: builds a lab"))
struct OneReadingTests {
    // Not duplicate-mac: each run's frames move the bridge's FDB entry of the shared MAC, so two runs in a row read
    // different wiring.
    @Test(
        "the pipeline's findings equal those of a second reading before the probes",
        arguments: [
            "port-blocking", "container-input-drop", "arp-flux", "tcp-forward-drop", "rp-filter",
        ]
    )
    func sameFindings(_ name: String) throws {
        let fault = try #require(LabFaultCatalogue.fault(named: name))
        let lab = try FaultLab()
        defer { lab.tearDown() }
        try lab.faults.apply(fault)
        let endpointsPath = lab.lab.configuration.endpointsPath
        let resolver: @Sendable () throws -> EndpointResolver = {
            EndpointResolver(
                hostNamespace: .current,
                registry: try EndpointRegistry.load(from: endpointsPath),
                inventory: ContainerInventory.scan()
            )
        }
        var options = TraceOptions()
        options.transports = fault.traceTransports
        let once = try Investigation.trace(
            TraceRequest(from: fault.traceFrom, to: fault.traceTo, resolver: resolver, options: options)
        )
        #expect(once.problems.isEmpty, "\(once.problems)")
        #expect(once.report.findings.contains { $0.code == fault.code.rawValue }, "\(once.report.findings)")

        // The same plan, read a second time just before its probes, named and ordered as the plan names its nodes.
        var plan = once.plan
        plan.options.runMarker = .random()
        let resolved = try EndpointPath(
            from: fault.traceFrom,
            to: fault.traceTo,
            resolver: resolver(),
            scope: .endpoints
        )
        let (twice, problems) = try DiagnosedTrace.run(
            plan,
            alsoRead: resolved.targets,
            containers: resolved.containers,
            path: once.path
        )
        #expect(problems.isEmpty, "\(problems)")
        // Evidence may differ between two runs (a rule's packet counter counts the first run's probes too); what is
        // found, where, and how bad, may not.
        let found = { (findings: [Finding]) in
            findings.map { "\($0.severity) \($0.code) at \($0.location?.description ?? "-")" }
        }
        #expect(found(once.report.findings) == found(twice.report.findings))
        #expect(once.report.verdict == twice.report.verdict)
    }

    @Test("the snapshot is ordered as the plan names its nodes: source, target, capture points, then the others")
    func planOrder() throws {
        let names = ["host", "ct2", "ext", "ct1", "ct4"]
        let topology = HostTopology(
            namespaces: names.map { NamespaceSnapshot(node: NetworkNode(name: $0, kind: .netns), links: []) }
        )
        let endpoint = { (node: String) in
            ResolvedEndpoint(endpoint: node, node: node, namespace: .named(node), interface: "eth0", ip: nil, mac: nil)
        }
        let plan = TracePlan(
            source: endpoint("ext"),
            target: endpoint("ct1"),
            hops: [
                CapturePoint(node: "ext", namespace: .named("ext"), interface: "eth0", role: .endpoint),
                CapturePoint(node: "host", namespace: .named("host"), interface: "br0", role: .bridge),
                CapturePoint(node: "ct1", namespace: .named("ct1"), interface: "eth0", role: .container),
            ],
            options: TraceOptions()
        )
        let context = DoctorInspection.context(for: plan, topology: topology, settings: [:], containers: [])
        #expect(context.topology.namespaces.map(\.node.name) == ["ext", "ct1", "host", "ct2", "ct4"])
    }
}
