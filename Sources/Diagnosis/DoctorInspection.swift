package import Containers
import Foundation
internal import KernelSettings
import LinuxNet
import NetworkModel
package import Topology
package import Trace

/// What `lxcdiag doctor` found: the findings, the namespaces it looked at, and what it could not read.
package struct DoctorReport: Sendable, Encodable {
    package static let schema = "lxcdiag.doctor/1"

    /// The node names inspected, host first.
    package var inspected: [String]
    package var findings: [Finding]
    /// What could not be read (a namespace gone, nft missing), one line each; the rest was still checked.
    package var problems: [String]

    package init(inspected: [String], findings: [Finding], problems: [String]) {
        self.inspected = inspected
        self.findings = findings
        self.problems = problems
    }

    /// Whether an error-level finding exists (exit status 1).
    package var hasErrors: Bool { findings.contains { $0.severity == .error } }

    private enum CodingKeys: String, CodingKey { case schema, inspected, findings, problems }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Self.schema, forKey: .schema)
        try container.encode(inspected, forKey: .inspected)
        try container.encode(findings, forKey: .findings)
        try container.encode(problems, forKey: .problems)
    }
}

/// Reads what doctor needs from the running system (rtnetlink, /proc/sys/net, `nft -j`) without sending a frame.
package enum DoctorInspection {
    /// Every namespace a trace plan touches (its ends and capture points), named as the trace names them, so the
    /// context read for them matches the report's nodes.
    package static func targets(for plan: TracePlan) -> [TopologyTarget] {
        var targets: [TopologyTarget] = []
        let points =
            [(plan.source.node, plan.source.namespace), (plan.target.node, plan.target.namespace)]
            + plan.hops.map { ($0.node, $0.namespace) }
        for (node, namespace) in points where !targets.contains(where: { $0.name == node }) {
            let kind: NodeKind
            switch namespace {
            case .current: kind = .host
            case .named: kind = .netns
            case .pid, .path: kind = .process
            }
            targets.append(TopologyTarget(name: node, kind: kind, namespace: namespace))
        }
        return targets
    }

    /// Captures `targets` and reads each one's sysctls and netfilter ruleset, then applies the doctor rules.
    ///
    /// Throws only when the first target (the host) cannot be read; anything else unreadable is named in
    /// `problems`.
    package static func inspect(_ targets: [TopologyTarget], containers: [LXCContainer]) throws -> DoctorReport {
        let (context, problems) = try read(targets, containers: containers)
        return DoctorReport(
            inspected: context.topology.namespaces.map(\.node.name),
            findings: DoctorRules.findings(in: context),
            problems: problems
        )
    }

    /// The wiring and settings of `targets` as the rules take them, and what could not be read. For a trace,
    /// call it before the probes run: an ARP reply refreshes the source's neighbour cache.
    package static func read(
        _ targets: [TopologyTarget],
        containers: [LXCContainer] = []
    ) throws
        -> (context: DiagnosisContext, problems: [String])
    {
        let topology = try HostTopology.capture(targets)
        var problems = topology.problems
        var settings: [String: NodeSettings] = [:]
        let read = topology.namespaces.compactMap { snapshot in targets.first { $0.name == snapshot.node.name } }
        // Every namespace's sysctls and ruleset at once: each ruleset is an `nft` process (some 15 ms), so
        // reading them one after another made a trace wait for all of them in a row.
        let results = DedicatedThread.map(read.count * 2, name: "read settings") { index -> NodeSettings in
            let target = read[index / 2]
            var part = NodeSettings()
            if index % 2 == 0 {
                part.sysctls = try SysctlReader.read(in: target.namespace)
            } else {
                part.netfilter = try NetfilterReader.read(in: target.namespace)
            }
            return part
        }
        for (index, target) in read.enumerated() {
            var node = NodeSettings()
            switch results[index * 2] {
            case .success(let part): node.sysctls = part.sysctls
            case .failure(let error): problems.append("\(target.name): sysctls unreadable: \(error)")
            }
            switch results[index * 2 + 1] {
            case .success(let part): node.netfilter = part.netfilter
            case .failure(let error): problems.append("\(target.name): netfilter ruleset unreadable: \(error)")
            }
            settings[target.name] = node
        }
        return (DiagnosisContext(topology: topology, settings: settings, containers: containers), problems)
    }
}
