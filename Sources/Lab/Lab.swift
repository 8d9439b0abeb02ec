import Foundation
internal import LinuxNet
package import NetworkModel
internal import PacketCodec

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
/// when it fails or is interrupted (Ctrl-C). `down` removes everything the state file records, and LXC
/// containers marked as this lab's whose record is gone (the state lives in /run, LXC's containers do not).
/// All methods need root and block while `ip` and `lxc-*` run; call them off the concurrency pool.
package struct Lab: Sendable {
    package let configuration: LabConfiguration

    package init(_ configuration: LabConfiguration = LabConfiguration()) {
        self.configuration = configuration
    }

    /// What `up` did.
    package enum UpOutcome: String, Sendable, Codable {
        /// The lab was made from nothing.
        case built
        /// A complete lab with the same options was already there and was left as it was.
        case alreadyUp
        /// A half-made lab, or one with other options, was removed and made again.
        case rebuilt
    }

    /// The result of `up`: what happened, the endpoints registered and the lab's status afterwards.
    package struct UpResult: Sendable {
        package var outcome: UpOutcome
        package var endpoints: EndpointRegistry
        package var status: LabStatus
        /// Wall-clock time `up` took.
        package var seconds: Double
    }

    /// Makes the lab, or completes/rebuilds a half-made one, and registers its endpoints.
    /// `progress` hears of every step that takes more than a second.
    package func up(progress: LabProgress? = nil) throws -> UpResult {
        try up(through: .endpoints, progress: progress)
    }

    /// `up`, stopping after `stage` (tests use this to get a half-made lab).
    func up(through stage: LabBuildStage, progress: LabProgress? = nil) throws -> UpResult {
        try configuration.validate()
        return try LabLock.holding(configuration) { try lockedUp(through: stage, progress: progress) }
    }

    private func lockedUp(through stage: LabBuildStage, progress: LabProgress?) throws -> UpResult {
        let started = monotonicNanoseconds()
        let existing = try LabState.load(from: configuration.statePath)
        let backend = try chooseBackend(existing: existing)
        let addressing = try chooseAddressing(existing: existing)
        let plan = LabPlan(configuration: configuration, backend: backend, addressing: addressing)
        let unrecorded = unrecordedContainers(existing: existing)
        try refuseForeignNames(plan: plan, existing: existing, adopting: unrecorded)

        var outcome = UpOutcome.built
        if !unrecorded.isEmpty {
            try remove(unrecordedState(unrecorded))
            outcome = .rebuilt
        }
        if let existing {
            if existing.complete, existing.backend == backend, existing.macvlanMode == configuration.macvlanMode,
                existing.addressing == addressing, existing.vlan == configuration.vlan
            {
                let current = try status()
                if current.isComplete {
                    if LabListener(configuration: configuration).runningPID == nil {
                        try LabBuild(plan: plan).startListener(plan)
                    }
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

        let build = LabBuild(plan: plan, progress: progress)
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
    package func down() throws -> LabState? {
        try configuration.validate()
        return try LabLock.holding(configuration) { try lockedDown() }
    }

    private func lockedDown() throws -> LabState? {
        guard let state = try LabState.load(from: configuration.statePath) else {
            let unrecorded = unrecordedContainers(existing: nil)
            guard !unrecorded.isEmpty else { return nil }
            let state = unrecordedState(unrecorded)
            try remove(state)
            return state
        }
        try remove(state)
        return state
    }

    /// What exists of the lab now, checked against the system (not just the state file).
    package func status() throws -> LabStatus {
        try configuration.validate()
        return try LabStatus.gather(configuration)
    }

    /// The subnet to build in: the one asked for, else the lab's recorded one, else the first free candidate.
    /// Each is checked against the routes and addresses of the namespace `up` runs in, and against the other
    /// labs' recorded subnets, so that no lab shares addresses with the machine or with another lab.
    private func chooseAddressing(existing: LabState?) throws(LabError) -> LabAddressing {
        let taken = try TakenNetworks.inCurrentNamespace()
        if let requested = configuration.subnet {
            if let conflict = TakenNetworks.conflict(of: requested, with: taken) {
                throw LabError.subnetOverlaps(subnet: requested.subnet.description, with: conflict)
            }
            return requested
        }
        if let recorded = existing?.addressing, TakenNetworks.conflict(of: recorded, with: taken) == nil {
            return recorded
        }
        let otherLabs = LabState.all(in: configuration.stateDirectory)
            .filter { $0.name != configuration.name }
            .map(\.addressing.subnet)
        guard
            let free = LabAddressing.firstFree(avoiding: taken + otherLabs) ?? LabAddressing.firstFree(avoiding: taken)
        else { throw LabError.noFreeSubnet }
        return free
    }

    private func chooseBackend(existing: LabState?) throws(LabError) -> LabBackend {
        guard let backend = configuration.backend else {
            if let existing, existing.complete,
                existing.backend == .namespaces || (existing.backend == .lxc && LXCTool.isInstalled)
                    || (existing.backend.engine != nil && existing.backend.engineInstalled)
            {
                return existing.backend
            }
            return LXCTool.isInstalled ? .lxc : .namespaces
        }
        switch backend {
        case .lxc:
            guard LXCTool.isInstalled else { throw LabError.lxcMissing }
            return .lxc
        case .namespaces:
            return .namespaces
        case .docker, .podman:
            guard backend.engineInstalled else { throw LabError.engineMissing(backend.rawValue) }
            return backend
        }
    }

    /// LXC containers this lab made (their marker says so) that no state file records, as after a reboot.
    private func unrecordedContainers(existing: LabState?) -> [String] {
        guard LXCTool.isInstalled, let folder = try? LXCTool.containerFolder(),
            let defined = try? LXCTool.definedContainers()
        else { return [] }
        let recorded = Set(existing?.containers ?? [])
        return ["ct1", "ct2", "ct3", "ct4"].map(configuration.containerName).filter { name in
            defined.contains(name) && !recorded.contains(name)
                && LXCTool.madeByLab(name, folder: folder) == configuration.name
        }
    }

    /// A record of unrecorded containers, so that `remove` can take them away.
    private func unrecordedState(_ containers: [String]) -> LabState {
        var state = LabState(plan: LabPlan(configuration: configuration, backend: .lxc, addressing: .legacy))
        state.containers = containers
        return state
    }

    /// Throws when a namespace or container the plan needs exists but is neither recorded nor marked as the lab's.
    private func refuseForeignNames(plan: LabPlan, existing: LabState?, adopting unrecorded: [String]) throws {
        let ours = Set(existing?.namespaces ?? [])
        let namespaces = try IPTool.namespaces()
        if let taken = plan.namespaces.first(where: { namespaces.contains($0) && !ours.contains($0) }) {
            throw LabError.namespaceTaken(taken)
        }
        guard plan.backend == .lxc else { return }
        let ourContainers = Set(existing?.containers ?? []).union(unrecorded)
        let containers = try LXCTool.definedContainers()
        if let taken = plan.containers.first(where: { containers.contains($0) && !ourContainers.contains($0) }) {
            throw LabError.containerTaken(taken)
        }
    }

    /// Tears down what `state` records. Missing pieces are skipped, so this also finishes a half-done removal.
    func remove(_ state: LabState) throws {
        var failures: [String] = []
        LabListener(configuration: configuration).stop()
        if let engine = state.backend.engine(configuration) {
            // Before the namespaces: the engine's processes are found by the host namespace too.
            let host = "/run/netns/\(configuration.hostNamespace)"
            failures += engine.remove(
                madeGlobalPaths: state.madeGlobalPaths ?? [],
                hostNamespaceInode: state.namespaces.contains(configuration.hostNamespace)
                    ? LabProcesses.namespaceInode(host) : nil
            )
        }
        if !state.containers.isEmpty {
            let defined = (try? LXCTool.definedContainers()) ?? Set(state.containers)
            let folder = try? LXCTool.containerFolder()
            let containers = state.containers
            let errors = ErrorCollector()
            _ = DedicatedThread.map(containers.count, name: "lab removal") { index in
                let name = containers[index]
                // lxc-destroy cannot see a container started in another netns and would delete its rootfs
                // under it, so destroy only what is known to be stopped.
                guard LXCTool.stop(name, in: state.starterNetns) else {
                    errors.add(LabError.stepFailed(step: "stopping LXC container \(name)", reason: "it still runs"))
                    return
                }
                guard defined.contains(name) else {
                    // An lxc-create killed before it wrote the config leaves a folder LXC does not list.
                    if let folder { LXCTool.removeUnfinished(name, folder: folder) }
                    return
                }
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
        LabEndpoints.unregister(
            state.plan(stateDirectory: configuration.stateDirectory).endpoints,
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

extension Lab {
    /// The init pid of container `member` (`ct1`) of a lab built with `--engine`, asked of the lab's engine;
    /// nil when it does not run (or the configuration names no engine).
    package func engineContainerPID(_ member: String) -> Int32? {
        configuration.backend?.engine(configuration)?.runningPID(configuration.containerName(member))
    }
}
