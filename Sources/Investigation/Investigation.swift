package import Containers
package import Diagnosis
package import ExpectedPath
internal import KernelDrops
internal import KernelSettings
internal import LinuxNet
package import NetworkModel
internal import PacketCodec
internal import PathTrace
internal import Topology
package import Trace

/// One investigation, from the endpoints a user named to a finished report that renderers read: resolve the
/// endpoints, read the host, walk the expected path, plan the captures, probe and capture, correlate,
/// diagnose. `trace`, `path` and `doctor` call it; the command line only parses and renders.
///
/// A trace reads the host once: the wiring of the namespaces it may cross, before any probe leaves. That one
/// snapshot resolves the endpoints, gives the expected path and the capture plan, and is what the rules diagnose
/// (ordered as the plan names its nodes), with the settings of the namespaces the plan touches, the only ones
/// the trace rules read: their netfilter rulesets before the probes, their sysctls while the probes run.
///
/// Every entry point is reentrant: it keeps no state between calls, so several traces can run at once in one
/// process (each has its own sockets, captures, run marker and tracefs instance).
package enum Investigation {
    /// Probes the path `request` names and explains what the captures saw.
    ///
    /// Throws `EndpointError`s for endpoints that resolve to nothing, `InvestigationError` when the target has
    /// no address to probe, and the trace's own errors (`TraceError`, `NamespaceError`, `PcapError`...).
    package static func trace(_ request: TraceRequest) throws -> InvestigationReport {
        if request.options.recordKernelDrops { DropRecorder.removeStaleInstances() }
        var expected: ExpectedPath?
        let plan: TracePlan
        let snapshot: () -> (context: DiagnosisContext, problems: [String])?
        if request.points.isEmpty {
            // One reading of the host: the wiring resolves the endpoints and gives the path and the plan; the
            // settings of the namespaces the plan touches (all that the trace rules read) complete the snapshot.
            let resolved =
                try request.path?()
                ?? EndpointPath(from: request.from, to: request.to, resolver: request.resolver(), scope: .endpoints)
            expected = resolved.path
            let tracePlan = PathCapturePoints.plan(
                for: resolved.path,
                in: resolved.topology,
                source: resolved.source,
                target: resolved.destination,
                options: request.options
            )
            plan = tracePlan
            let settings = SettingsReading.start(DoctorInspection.targets(for: tracePlan))
            // The rulesets' counters are evidence: read before any probe leaves. The sysctls, which no probe
            // changes, may still be on their way while the probes run.
            settings.waitForNetfilter()
            snapshot = {
                let (nodes, problems) = settings.settings(for: resolved.topology)
                let context = DoctorInspection.context(
                    for: tracePlan,
                    topology: resolved.topology,
                    settings: nodes,
                    containers: resolved.containers
                )
                return (context, resolved.topology.problems + problems)
            }
        } else {
            plan = try explicitPlan(request)
            // No path was resolved: the namespaces the plan touches are read now, before the probes.
            let read = try? DoctorInspection.read(DoctorInspection.targets(for: plan))
            snapshot = { read }
        }
        // The probes run after the reading, then the catalogue and the path explain what the captures saw.
        let (outcome, problems) = try DiagnosedTrace.run(
            plan,
            tracer: Tracer(queries: request.queries),
            snapshot: snapshot,
            path: expected
        )
        return InvestigationReport(outcome: outcome, problems: problems, path: expected, plan: plan)
    }

    /// The plan `--hop`/`--side` spell out: both ends resolved (endpoint names, or PLACE[/IFACE][@ADDRESS]),
    /// the target's interface appended as the last hop.
    private static func explicitPlan(_ request: TraceRequest) throws -> TracePlan {
        let queries = request.queries
        // Both ends at once: each asks the kernel separately.
        let specs = [request.from, request.to]
        let ends = try DedicatedThread.map(specs.count, name: "resolve") { index -> ResolvedEndpoint in
            let spec = specs[index]
            guard TraceRequest.isPlaceSyntax(spec) else {
                return try request.resolver().resolve(spec, snapshots: RtnetlinkSnapshots())
            }
            return try PointSpec(parsing: spec, defaultInterface: "eth0")
                .resolvedEndpoint(named: spec, queries: queries)
        }.map { try $0.get() }
        let (source, target) = (ends[0], ends[1])
        var hops = request.points.filter {
            !($0.namespace == target.namespace && $0.interface == target.interface)
        }
        hops.append(
            CapturePoint(
                node: target.node,
                namespace: target.namespace,
                interface: target.interface,
                role: target.node == "host" ? .endpoint : .container
            )
        )
        return TracePlan(source: source, target: target, hops: hops, options: request.options)
    }

    /// The hops a frame between two endpoints should take, with the cautions the kernel settings of the
    /// namespaces it crosses add (what cannot be read is noted in the path).
    package static func path(from: String, to: String, resolver: EndpointResolver) throws -> ExpectedPath {
        let resolved = try EndpointPath(from: from, to: to, resolver: resolver)
        var path = resolved.path
        path.addCautions(kernelSettings(on: path, in: resolved.topology, notes: &path.notes))
        return path
    }

    /// The sysctls and netfilter rulesets of the namespaces the path crosses; what cannot be read is noted.
    private static func kernelSettings(
        on path: ExpectedPath,
        in topology: HostTopology,
        notes: inout [String]
    ) -> [String: NodeKernelSettings] {
        var settings: [String: NodeKernelSettings] = [:]
        for name in path.hops.map(\.node) where settings[name] == nil {
            guard let node = topology.namespace(named: name)?.node else { continue }
            let namespace: NetworkNamespace = node.namespacePath.map { .path($0) } ?? .current
            var sysctls: NamespaceSysctls?
            var netfilter: NetfilterRuleset?
            do { sysctls = try SysctlReader.read(in: namespace) } catch {
                notes.append("sysctls of \(name) not read: \(error)")
            }
            do { netfilter = try NetfilterReader.read(in: namespace) } catch {
                notes.append("netfilter of \(name) not read: \(error)")
            }
            settings[name] = NodeKernelSettings(sysctls: sysctls, netfilter: netfilter)
        }
        return settings
    }

    /// What `doctor` finds on the host and the namespaces `only` names (all when empty), without sending a
    /// frame. `only` takes node names and `netns:NAME`; a name that exists nowhere is an `InvestigationError`.
    package static func doctor(resolver: EndpointResolver, only: [String] = []) throws -> DoctorReport {
        try DoctorInspection.inspect(
            try doctorTargets(resolver.topologyTargets(), only: only),
            containers: resolver.inventory.containers
        )
    }

    /// The host first, then every namespace and running container, or only those named.
    private static func doctorTargets(_ all: [TopologyTarget], only: [String]) throws -> [TopologyTarget] {
        guard !only.isEmpty else { return all }
        // `netns:NAME` names the namespace NAME, as everywhere else endpoints are given.
        let wanted = Set(only.map { $0.hasPrefix("netns:") ? String($0.dropFirst("netns:".count)) : $0 })
        let missing = wanted.subtracting(all.map(\.name))
        guard missing.isEmpty else {
            let namespaces = Set(only.filter { $0.hasPrefix("netns:") }.map { String($0.dropFirst(6)) })
            if let absent = missing.sorted().first(where: namespaces.contains) {
                throw InvestigationError(message: "netns \(absent) does not exist", kind: .environment)
            }
            throw InvestigationError(
                message: "\(missing.sorted().joined(separator: ", ")): no such namespace, container or endpoint "
                    + "(lxcdiag endpoints lists what exists)",
                kind: .usage
            )
        }
        return [all[0]] + all.dropFirst().filter { wanted.contains($0.name) }
    }
}

/// What one trace is asked to do: both ends as a user names them, the options, and (advanced) the capture
/// points to use instead of the computed path.
package struct TraceRequest: Sendable {
    package var from: String
    package var to: String
    /// Makes the resolver for endpoint names; called only when a name needs one (PLACE/IFACE ends do not).
    package var resolver: @Sendable () throws -> EndpointResolver
    /// The trace's tunables. Its `runMarker` is what tells this trace's frames from another's: traces that run
    /// at once need one request each (every `TraceOptions()` draws a fresh marker), not copies of one.
    package var options: TraceOptions
    /// The capture points `--hop`/`--side` list, in path order; empty means those of the expected path.
    package var points: [CapturePoint]
    package var queries: NamespaceQueries
    /// The expected path from a declared intent (`trace --plan`); nil: resolved from the endpoints.
    package var path: (@Sendable () throws -> EndpointPath)?

    package init(
        from: String,
        to: String,
        resolver: @escaping @Sendable () throws -> EndpointResolver,
        options: TraceOptions = TraceOptions(),
        points: [CapturePoint] = [],
        queries: NamespaceQueries = .system,
        path: (@Sendable () throws -> EndpointPath)? = nil
    ) {
        self.path = path
        self.from = from
        self.to = to
        self.resolver = resolver
        self.options = options
        self.points = points
        self.queries = queries
    }

    /// Whether an endpoint is written in `--hop`'s syntax (`netns:ct1/eth0`, `host/em2@192.0.2.2`).
    /// (`ip:10.0.0.0/24` and `iface:a/b` are endpoints, malformed ones, and get the endpoint's own message.)
    /// (`ct1@lxcdiag-b-ct1`, a qualified duplicate name, is an endpoint: only an address after `@` is a place.)
    package static func isPlaceSyntax(_ spec: String) -> Bool {
        guard !spec.hasPrefix("ip:"), !spec.hasPrefix("iface:") else { return false }
        if spec.contains("/") { return true }
        guard let at = spec.lastIndex(of: "@") else { return false }
        return IPv4Address(String(spec[spec.index(after: at)...])) != nil
    }
}

/// A finished trace: the report with every finding, the captured frames for pcapng, the expected path when
/// one was computed, and what could not be read.
package struct InvestigationReport: Sendable {
    package var outcome: TraceOutcome
    /// What could not be read (a namespace's sysctls, the wiring), one line each.
    package var problems: [String]
    package var path: ExpectedPath?
    /// The ends and capture points the trace ran with.
    package var plan: TracePlan

    package var report: TraceReport { outcome.report }

    /// Whether the trace failed its check: not reachable, or an error-level finding (exit status 1).
    package var failed: Bool { report.verdict != .reachable || report.findings.contains { $0.severity == .error } }
}

/// A request the pipeline cannot carry out, as one line; `kind` says whether the user or the host is at fault.
package struct InvestigationError: Error, Sendable, CustomStringConvertible {
    package enum Kind: Sendable { case usage, environment }

    package var message: String
    package var kind: Kind

    package init(message: String, kind: Kind) {
        self.message = message
        self.kind = kind
    }

    package var description: String { message }
}
