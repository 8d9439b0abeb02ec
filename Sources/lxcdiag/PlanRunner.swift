import Check
import Containers
import Diagnosis
import ExpectedPath
import Foundation
import Investigation
import KernelDrops
import LinuxNet
import NetworkModel
import PacketCodec
import PathTrace
import Plan
import Topology
import Trace

/// The one place `check` meets the trace and doctor machinery of this build (`EndpointPath`,
/// `PathCapturePoints`, `Tracer`, `TraceDiagnosis`, `DoctorRules`): rewire it here when the pipeline moves.
///
/// Expectations run in this process, on dedicated threads. Each plan's first round shares one snapshot: every
/// namespace's wiring, sysctls and netfilter rules read once before any probe, and doctor's findings on them;
/// a retry reads afresh (the state it waits for is changing). Concurrent traces are independent: each has its own
/// run marker (ICMP id, sequence, payload nonce) in its capture filters and its own tracefs instance.
// @unchecked Sendable: every stored property is immutable except `snapshots`, which is only touched under `lock`.
final class InvestigationRunner: ExpectationRunner, @unchecked Sendable {
    /// What every expectation of one plan's first round reads.
    struct Snapshot: Sendable {
        var resolver: EndpointResolver
        var targets: [EndpointTarget]
        var topology: HostTopology
        var context: DiagnosisContext
        var doctorFindings: [Finding]
    }

    private let resolvers: [String: EndpointResolver]
    private let options: TraceOptions
    private let lock = NSLock()
    private var snapshots: [String: Result<Snapshot, CommandFailure>] = [:]

    /// A runner for `plans`, each resolved with the endpoint file `endpoints` names plus the plan's declared
    /// endpoints, and its `host` as the host namespace unless `--netns` names one.
    init(plans: [Plan], endpoints: EndpointOptions, options: TraceOptions) throws {
        var resolvers: [String: EndpointResolver] = [:]
        for plan in plans { resolvers[plan.file] = try Self.resolver(for: plan, endpoints: endpoints) }
        self.resolvers = resolvers
        self.options = options
    }

    /// The endpoint file's entries with the plan's declared ones on top (a declared name replaces a registered one).
    static func resolver(for plan: Plan, endpoints: EndpointOptions) throws -> EndpointResolver {
        let base = try endpoints.resolver()
        var entries = base.registry.endpoints.filter { entry in plan.endpoint(named: entry.name) == nil }
        for declared in plan.endpoints {
            // A declared name the endpoint file also registers keeps what only the file knows (the pid, the
            // namespace LXC was started from); the plan's intent replaces the rest.
            var entry =
                base.registry.endpoint(named: declared.name)
                ?? RegisteredEndpoint(name: declared.name, kind: declared.netns != nil ? "netns" : "lxc")
            if declared.netns != nil || declared.container != nil {
                entry.kind = declared.netns != nil ? "netns" : "lxc"
                entry.netns = declared.netns
                entry.container = declared.container
            }
            entry.interface = declared.interface ?? entry.interface
            entry.ip = declared.ip.flatMap(IPv4Address.init) ?? entry.ip
            entry.note = "declared in \(plan.file)"
            entries.append(entry)
        }
        let host: NetworkNamespace =
            endpoints.netns == nil ? (plan.host.map { .named($0) } ?? .current) : endpoints.hostNamespace
        return EndpointResolver(
            hostNamespace: host,
            registry: EndpointRegistry(endpoints: entries),
            inventory: base.inventory
        )
    }

    func run(_ expectation: Expectation, of plan: Plan, attempt: Int) async -> ExpectationOutcome {
        do {
            return try await DedicatedThread.run(name: "check") { () throws -> ExpectationOutcome in
                let snapshot = try self.snapshot(for: plan, fresh: attempt > 1)
                let outcome = try self.judge(expectation.check, snapshot: snapshot)
                let ends = expectation.check.ends.map { [$0.from, $0.to] } ?? []
                let drift = RecordedWiring.drift(
                    ends,
                    plan: plan,
                    resolver: snapshot.resolver,
                    topology: snapshot.topology
                )
                return PlanVerdicts.withDrift(outcome, drift)
            }
        } catch {
            return .error(describe(error).0)
        }
    }

    /// The plan's shared snapshot (taken on first use), or a new one.
    private func snapshot(for plan: Plan, fresh: Bool) throws -> Snapshot {
        guard let resolver = resolvers[plan.file] else {
            throw CommandFailure(message: "no resolver", status: .environment)
        }
        if fresh { return try Self.read(resolver, plan: plan) }
        lock.lock()
        defer { lock.unlock() }
        if let taken = snapshots[plan.file] { return try taken.get() }
        let taken: Result<Snapshot, CommandFailure>
        do { taken = .success(try Self.read(resolver, plan: plan)) } catch {
            let (message, status) = describe(error)
            taken = .failure(CommandFailure(message: message, status: status))
        }
        snapshots[plan.file] = taken
        return try taken.get()
    }

    /// Reads the host, the endpoint file's namespaces and those the plan names: not every namespace on the
    /// machine (doctor's verdicts are about this plan's host, not another tenant's).
    private static func read(_ resolver: EndpointResolver, plan: Plan) throws -> Snapshot {
        let targets = scope(resolver, plan: plan).map {
            TopologyTarget(name: $0.node.name, kind: $0.node.kind, namespace: $0.namespace)
        }
        let (context, _) = try DoctorInspection.read(targets, containers: resolver.inventory.containers)
        return Snapshot(
            resolver: resolver,
            targets: scope(resolver, plan: plan),
            topology: context.topology,
            context: context,
            doctorFindings: DoctorRules.findings(in: context)
        )
    }

    /// The resolver's search targets a plan's run reads: the host first, the registered endpoints, and the
    /// namespaces of every endpoint the plan uses.
    static func scope(_ resolver: EndpointResolver, plan: Plan, also: [String] = []) -> [EndpointTarget] {
        let all = resolver.searchTargets()
        let names = Set(
            resolver.registry.endpoints.map(\.name) + plan.expectations.flatMap(\.references).map(\.name) + also
        )
        let files = Set(names.compactMap { try? resolver.target($0).namespace.filePath })
        return all.enumerated().filter { index, target in
            index == 0 || names.contains(target.endpoint) || files.contains(target.namespace.filePath ?? "")
        }.map(\.element)
    }

    private func judge(_ requirement: Requirement, snapshot: Snapshot) throws -> ExpectationOutcome {
        switch requirement {
        case .reach(let from, let to), .isolated(let from, let to), .latency(let from, let to, _):
            return PlanVerdicts.judge(requirement, report: try trace(from, to, largeSize: nil, snapshot: snapshot))
        case .mtu(let from, let to, let size):
            return PlanVerdicts.judge(requirement, report: try trace(from, to, largeSize: size, snapshot: snapshot))
        case .unique(let segment, let allow):
            return PlanVerdicts.unique(
                segment,
                allowed: allow,
                findings: snapshot.doctorFindings,
                topology: snapshot.topology
            )
        case .noFindings(let severity, let codes):
            return PlanVerdicts.noFindings(severity: severity, codes: codes, findings: snapshot.doctorFindings)
        case .tcp(let from, let to, let port):
            let transport = TransportPort(.tcp, UInt16(port))
            let report = try trace(from, to, largeSize: nil, transport: transport, snapshot: snapshot)
            return PlanVerdicts.judge(requirement, report: report)
        case .udp(let from, let to, let port):
            let transport = TransportPort(.udp, UInt16(port))
            let report = try trace(from, to, largeSize: nil, transport: transport, snapshot: snapshot)
            return PlanVerdicts.judge(requirement, report: report)
        }
    }

    /// One trace between `from` and `to`, diagnosed against the snapshot, as `trace` would report it.
    private func trace(
        _ from: String,
        _ to: String,
        largeSize: Int?,
        transport: TransportPort? = nil,
        snapshot: Snapshot
    ) throws -> TraceReport {
        let resolved = try EndpointPath(
            from: from,
            to: to,
            resolver: snapshot.resolver,
            targets: snapshot.targets,
            topology: snapshot.topology
        )
        // The kernel's drop reasons (a tracefs instance per trace) cost more than the trace when many run at
        // once, and say nothing about frames that arrive: a trace that lost a probe is traced again with them.
        var report = try trace(resolved, largeSize: largeSize, transport, kernelDrops: false, snapshot: snapshot)
        if options.recordKernelDrops, report.probes.contains(where: { $0.result == .lost }) {
            report = try trace(resolved, largeSize: largeSize, transport, kernelDrops: true, snapshot: snapshot)
        }
        report.findings = TraceDiagnosis.withoutRestated(PathTraceFindings.findings(of: report, on: resolved.path))
        return report
    }

    private func trace(
        _ resolved: EndpointPath,
        largeSize: Int?,
        _ transport: TransportPort?,
        kernelDrops: Bool,
        snapshot: Snapshot
    ) throws -> TraceReport {
        var options = self.options
        options.runMarker = .random()
        options.transports = transport.map { [$0] } ?? []
        options.recordKernelDrops = kernelDrops
        if let largeSize { options.largeProbeSize = largeSize }
        let plan = PathCapturePoints.plan(
            for: resolved.path,
            in: resolved.topology,
            source: resolved.source,
            target: resolved.destination,
            options: options
        )
        return TraceDiagnosis.diagnose(try Tracer(queries: .system).run(plan).report, in: snapshot.context)
    }
}

/// `trace --plan FILE`: the plan's declared endpoints as the intent of a trace's two ends.
enum PlanIntent {
    /// The path between `from` and `to` resolved with the plan's declared endpoints over the endpoint file's.
    static func path(from: String, to: String, plan path: String, endpoints: EndpointOptions) throws -> EndpointPath {
        let plan = try PlanFiles.parse(path)
        let resolver = try InvestigationRunner.resolver(for: plan, endpoints: endpoints)
        let targets = InvestigationRunner.scope(resolver, plan: plan, also: [from, to])
        return try EndpointPath(from: from, to: to, resolver: resolver, targets: targets)
    }
}
