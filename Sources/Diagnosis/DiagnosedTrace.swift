package import Containers
package import Topology
package import Trace

/// A trace with the catalogue's findings: the wiring and settings of every namespace the plan touches are read
/// first (an ARP reply would refresh the source's neighbour cache), then the probes run, then the rules.
package enum DiagnosedTrace {
    /// Runs `plan` with `tracer` and puts the rules' findings ahead of the trace's own in the report.
    ///
    /// `alsoRead` adds namespaces off the path whose wiring matters (other containers on the bridge, for
    /// duplicate addresses and MACs); `containers` gives LXC configs. A namespace that cannot be read leaves its
    /// rules silent; only the trace's own errors are thrown.
    package static func run(
        _ plan: TracePlan,
        tracer: Tracer = Tracer(),
        alsoRead: [TopologyTarget] = [],
        containers: [LXCContainer] = []
    ) throws -> (outcome: TraceOutcome, problems: [String]) {
        var targets = DoctorInspection.targets(for: plan)
        for target in alsoRead where !targets.contains(where: { $0.name == target.name }) { targets.append(target) }
        let read = try? DoctorInspection.read(targets, containers: containers)
        var outcome = try tracer.run(plan)
        guard case (var context, let problems)? = read else {
            return (outcome, ["the wiring could not be read, so only the trace's own findings are shown"])
        }
        context.taggedFrames += TaggedFrameSighting.sightings(in: outcome.report)
        outcome.report = TraceDiagnosis.diagnose(outcome.report, in: context)
        return (outcome, problems)
    }
}
