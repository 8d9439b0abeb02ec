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
        // The settings are read while the wiring is: both only read, and neither waits for the other.
        let settings = SettingsReading.start(targets)
        let topology = try HostTopology.capture(targets)
        let (nodes, problems) = settings.settings(for: topology)
        return (
            DiagnosisContext(topology: topology, settings: nodes, containers: containers),
            topology.problems + problems
        )
    }

    /// The context a trace's rules read, from the snapshot its endpoints were resolved in: the namespaces the plan
    /// touches first, in the plan's order (source, target, then the capture points), then the others as read.
    package static func context(
        for plan: TracePlan,
        topology: HostTopology,
        settings: [String: NodeSettings],
        containers: [LXCContainer]
    ) -> DiagnosisContext {
        let first = targets(for: plan).map(\.name)
        let rank = Dictionary(first.enumerated().map { ($1, $0) }, uniquingKeysWith: { earlier, _ in earlier })
        var ordered = topology
        ordered.namespaces = topology.namespaces.enumerated().sorted { lhs, rhs in
            let left = rank[lhs.element.node.name].map { ($0, 0) } ?? (first.count, lhs.offset)
            let right = rank[rhs.element.node.name].map { ($0, 0) } ?? (first.count, rhs.offset)
            return left < right
        }.map(\.element)
        return DiagnosisContext(topology: ordered, settings: settings, containers: containers)
    }
}

/// The sysctls and netfilter rulesets of some namespaces, read on threads of their own while the caller reads the
/// wiring, and named afterwards as the wiring's snapshot names its nodes (by namespace inode: one namespace under
/// two names is read once).
///
/// A trace waits for the netfilter rulesets before its probes leave (their counters are evidence, and must not
/// count the probes), and for the sysctls, which the probes do not change, only when it diagnoses.
///
/// Safe to share: `sysctls` and `netfilter` are written by their reading thread before it leaves its group, and
/// read only after that group's `wait()`.
package final class SettingsReading: @unchecked Sendable {
    private let namespaces: [(inode: UInt64, namespace: NetworkNamespace)]
    private var sysctls: [Result<NamespaceSysctls, any Error>] = []
    private var netfilter: [Result<NetfilterRuleset, any Error>] = []
    private let sysctlsDone = DispatchGroup()
    private let netfilterDone = DispatchGroup()

    private init(_ namespaces: [(inode: UInt64, namespace: NetworkNamespace)]) {
        self.namespaces = namespaces
    }

    /// Starts reading every namespace of `targets`; returns at once. A namespace whose file cannot be read now is
    /// left out (the wiring's capture names why).
    package static func start(_ targets: [TopologyTarget]) -> SettingsReading {
        var seen: Set<UInt64> = []
        var namespaces: [(inode: UInt64, namespace: NetworkNamespace)] = []
        for target in targets {
            guard let inode = try? target.namespace.identity().inode, seen.insert(inode).inserted else { continue }
            namespaces.append((inode, target.namespace))
        }
        let reading = SettingsReading(namespaces)
        let places = namespaces.map(\.namespace)
        reading.sysctlsDone.enter()
        DedicatedThread.start(name: "read sysctls") {
            // A host with a thousand containers: the namespaces are read a few at a time, not one after another.
            reading.sysctls = SysctlReader.read(in: places)
            reading.sysctlsDone.leave()
        }
        reading.netfilterDone.enter()
        DedicatedThread.start(name: "read netfilter") {
            reading.netfilter = NetfilterReader.read(in: places)
            reading.netfilterDone.leave()
        }
        return reading
    }

    /// Waits until the netfilter rulesets are read: before a trace's probes leave, which rules' counters count.
    package func waitForNetfilter() { netfilterDone.wait() }

    /// Waits for the reads and gives them under the node names of `topology`, with what could not be read.
    package func settings(for topology: HostTopology) -> (settings: [String: NodeSettings], problems: [String]) {
        netfilterDone.wait()
        sysctlsDone.wait()
        let position = Dictionary(
            namespaces.enumerated().map { ($1.inode, $0) },
            uniquingKeysWith: { first, _ in first }
        )
        var settings: [String: NodeSettings] = [:]
        var problems: [String] = []
        for snapshot in topology.namespaces {
            let name = snapshot.node.name
            guard let inode = snapshot.node.namespaceInode, let index = position[inode] else { continue }
            var node = NodeSettings()
            do { node.sysctls = try sysctls[index].get() } catch {
                problems.append("\(name): sysctls unreadable: \(error)")
            }
            do { node.netfilter = try netfilter[index].get() } catch {
                problems.append("\(name): netfilter ruleset unreadable: \(error)")
            }
            settings[name] = node
        }
        return (settings, problems)
    }
}
