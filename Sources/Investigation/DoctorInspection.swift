package import Containers
package import Diagnosis
import Foundation
internal import KernelSettings
import LinuxNet
import NetworkModel
package import Topology
package import Trace

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
        let byName = Dictionary(targets.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let read = topology.namespaces.compactMap { byName[$0.node.name] }
        // A host with a thousand containers: the namespaces are read a few at a time, not one after another.
        let sysctls = SysctlReader.read(in: read.map(\.namespace))
        let netfilter = NetfilterReader.read(in: read.map(\.namespace))
        for (index, target) in read.enumerated() {
            var node = NodeSettings()
            do { node.sysctls = try sysctls[index].get() } catch {
                problems.append("\(target.name): sysctls unreadable: \(error)")
            }
            do { node.netfilter = try netfilter[index].get() } catch {
                problems.append("\(target.name): netfilter ruleset unreadable: \(error)")
            }
            settings[target.name] = node
        }
        return (DiagnosisContext(topology: topology, settings: settings, containers: containers), problems)
    }
}
