import Foundation
import LinuxNet
public import NetworkModel

/// The built-in lab: an outside world, a container host and four containers, all inside network namespaces.
///
/// ```swift
/// let lab = Lab(LabConfiguration(name: "lxcdiag-t1", backend: .namespaces))
/// let result = try lab.up()                  // .built, .alreadyUp or .rebuilt
/// defer { _ = try? lab.down() }
/// let endpoints = result.endpoints            // ext, host, ct1...ct4 (also written to the endpoint file)
/// let ct1 = result.status.namespace(of: "ct1") // .named("lxcdiag-t1-ct1"), or .pid(init) for LXC
/// ```
/// `up` is idempotent, refuses to touch namespaces or containers it did not make, and removes what it made
/// when it fails or is interrupted (Ctrl-C). `down` removes everything the state file records.
/// All methods need root and block while `ip` and `lxc-*` run; call them off the concurrency pool.
public struct Lab: Sendable {
    public let configuration: LabConfiguration

    public init(_ configuration: LabConfiguration = LabConfiguration()) {
        self.configuration = configuration
    }

    /// What `up` did.
    public enum UpOutcome: String, Sendable, Codable {
        /// The lab was made from nothing.
        case built
        /// A complete lab with the same options was already there and was left as it was.
        case alreadyUp
        /// A half-made lab, or one with other options, was removed and made again.
        case rebuilt
    }

    /// The result of `up`: what happened, the endpoints registered and the lab's status afterwards.
    public struct UpResult: Sendable {
        public var outcome: UpOutcome
        public var endpoints: EndpointRegistry
        public var status: LabStatus
        /// Wall-clock time `up` took.
        public var seconds: Double
    }

    /// Makes the lab, or completes/rebuilds a half-made one, and registers its endpoints.
    public func up() throws -> UpResult {
        try up(through: .endpoints)
    }

    /// `up`, stopping after `stage` (tests use this to get a half-made lab).
    func up(through stage: LabBuildStage) throws -> UpResult {
        try configuration.validate()
        let started = monotonicNanoseconds()
        let existing = try LabState.load(from: configuration.statePath)
        let backend = try chooseBackend(existing: existing)
        let plan = LabPlan(configuration: configuration, backend: backend)
        try refuseForeignNames(plan: plan, existing: existing)

        var outcome = UpOutcome.built
        if let existing {
            if existing.complete, existing.backend == backend, existing.macvlanMode == configuration.macvlanMode {
                let current = try status()
                if current.isComplete {
                    try LabEndpoints.register(plan.endpoints, lab: configuration)
                    return UpResult(
                        outcome: .alreadyUp,
                        endpoints: EndpointRegistry(endpoints: plan.endpoints),
                        status: current,
                        seconds: Self.seconds(since: started)
                    )
                }
            }
            try remove(existing)
            outcome = .rebuilt
        }

        let build = LabBuild(plan: plan)
        let undo: @Sendable () -> Void = { build.undo(remove) }
        do {
            try TerminationCleanup.shared.guarding(undo: undo) {
                try build.run(through: stage)
            }
        } catch {
            // Any failure (or Ctrl-C racing the build) undoes everything this build recorded.
            undo()
            throw error
        }
        return UpResult(
            outcome: outcome,
            endpoints: EndpointRegistry(endpoints: plan.endpoints),
            status: try status(),
            seconds: Self.seconds(since: started)
        )
    }

    /// Removes everything the lab recorded: LXC containers (stopped first), namespaces, endpoints, the state
    /// file. Returns the record of what was removed, or nil when there was no lab of that name (and nothing
    /// was touched).
    @discardableResult
    public func down() throws -> LabState? {
        try configuration.validate()
        guard let state = try LabState.load(from: configuration.statePath) else { return nil }
        try remove(state)
        return state
    }

    /// What exists of the lab now, checked against the system (not just the state file).
    public func status() throws -> LabStatus {
        try configuration.validate()
        return try LabStatus.gather(configuration)
    }

    private func chooseBackend(existing: LabState?) throws(LabError) -> LabBackend {
        switch configuration.backend {
        case .lxc:
            guard LXCTool.isInstalled else { throw LabError.lxcMissing }
            return .lxc
        case .namespaces:
            return .namespaces
        case nil:
            if let existing, existing.complete, existing.backend == .namespaces || LXCTool.isInstalled {
                return existing.backend
            }
            return LXCTool.isInstalled ? .lxc : .namespaces
        }
    }

    /// Throws when a namespace or container the plan needs exists but is not in the lab's record.
    private func refuseForeignNames(plan: LabPlan, existing: LabState?) throws {
        let ours = Set(existing?.namespaces ?? [])
        let namespaces = try IPTool.namespaces()
        if let taken = plan.namespaces.first(where: { namespaces.contains($0) && !ours.contains($0) }) {
            throw LabError.namespaceTaken(taken)
        }
        guard plan.backend == .lxc else { return }
        let ourContainers = Set(existing?.containers ?? [])
        let containers = try LXCTool.definedContainers()
        if let taken = plan.containers.first(where: { containers.contains($0) && !ourContainers.contains($0) }) {
            throw LabError.containerTaken(taken)
        }
    }

    /// Tears down what `state` records. Missing pieces are skipped, so this also finishes a half-done removal.
    func remove(_ state: LabState) throws {
        var failures: [String] = []
        if !state.containers.isEmpty {
            let defined = (try? LXCTool.definedContainers()) ?? Set(state.containers)
            let containers = state.containers
            let errors = ErrorCollector()
            runOnParallelThreads(containers.count, name: "lab removal") { index in
                let name = containers[index]
                // lxc-destroy cannot see a container started in another netns and would delete its rootfs
                // under it, so destroy only what is known to be stopped.
                guard LXCTool.stop(name, in: state.starterNetns) else {
                    errors.add(LabError.stepFailed(step: "stopping LXC container \(name)", reason: "it still runs"))
                    return
                }
                guard defined.contains(name) else { return }
                do { try LXCTool.destroy(name) } catch { errors.add(error) }
            }
            failures += errors.all.map { "\($0)" }
        }
        let existing = (try? IPTool.namespaces()) ?? Set(state.namespaces)
        for namespace in state.namespaces.reversed() where existing.contains(namespace) {
            do {
                try ExternalCommand.check(["ip", "netns", "del", namespace])
            } catch {
                if (try? IPTool.namespaces())?.contains(namespace) != false { failures.append("\(error)") }
            }
        }
        let recordedLab = LabConfiguration(
            name: state.name,
            macvlanMode: state.macvlanMode,
            backend: state.backend,
            stateDirectory: configuration.stateDirectory
        )
        LabEndpoints.unregister(
            LabPlan(configuration: recordedLab, backend: state.backend).endpoints,
            path: state.endpointsPath
        )
        guard failures.isEmpty else {
            throw LabError.stepFailed(step: "removing lab \(state.name)", reason: failures.joined(separator: "; "))
        }
        LabState.remove(at: configuration.statePath)
    }

    private static func seconds(since start: UInt64) -> Double {
        Double(monotonicNanoseconds() - start) / 1e9
    }
}
