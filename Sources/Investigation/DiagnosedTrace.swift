package import Containers
package import Diagnosis
package import ExpectedPath
internal import NetworkModel
internal import PathTrace
package import Topology
package import Trace

/// A trace with the catalogue's findings: the wiring and settings of every namespace the plan touches are read
/// first (an ARP reply would refresh the source's neighbour cache), then the probes run, then the rules.
package enum DiagnosedTrace {
    /// Reads the namespaces `plan` touches, then runs it with `tracer` and puts the rules' findings ahead of the
    /// trace's own in the report.
    ///
    /// `alsoRead` adds namespaces off the path whose wiring matters (other containers on the bridge, for
    /// duplicate addresses and MACs); `containers` gives LXC configs. A namespace that cannot be read leaves its
    /// rules silent; only the trace's own errors are thrown. With the `path` the plan was made from, the path's
    /// own findings (design limits, hop findings) join in the same step.
    package static func run(
        _ plan: TracePlan,
        tracer: Tracer = Tracer(),
        alsoRead: [TopologyTarget] = [],
        containers: [LXCContainer] = [],
        path: ExpectedPath? = nil
    ) throws -> (outcome: TraceOutcome, problems: [String]) {
        var targets = DoctorInspection.targets(for: plan)
        for target in alsoRead where !targets.contains(where: { $0.name == target.name }) { targets.append(target) }
        let read = try? DoctorInspection.read(targets, containers: containers)
        return try run(plan, tracer: tracer, snapshot: { read }, path: path)
    }

    /// Runs `plan` with `tracer` and diagnoses it against `snapshot`: the wiring and settings read before the
    /// probes, handed over once they are done (nil: they could not be read, and only the trace's own findings are
    /// given).
    package static func run(
        _ plan: TracePlan,
        tracer: Tracer,
        snapshot: () -> (context: DiagnosisContext, problems: [String])?,
        path: ExpectedPath?
    ) throws -> (outcome: TraceOutcome, problems: [String]) {
        var outcome = try tracer.run(plan)
        var problems = ["the wiring could not be read, so only the trace's own findings are shown"]
        if let (readContext, readProblems) = snapshot() {
            var context = readContext
            context.taggedFrames += TaggedFrameSighting.sightings(in: outcome.report)
            outcome.report = TraceDiagnosis.diagnose(outcome.report, in: context)
            problems = readProblems
        }
        if let path {
            outcome.report.findings = TraceDiagnosis.withoutRestated(
                PathTraceFindings.findings(of: outcome.report, on: path)
            )
        }
        return (outcome, problems)
    }
}
