import Foundation
internal import LinuxNet

/// The stages of `up`, in order. Tests stop a build after one of them to get a half-made lab.
enum LabBuildStage: Int, CaseIterable, Comparable {
    case namespaces
    case outsideWorld
    case host
    case containers
    case endpoints

    static func < (lhs: LabBuildStage, rhs: LabBuildStage) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// One run of `up`: makes the lab step by step, recording each namespace and container in the state file
/// before making it. Safe to share between the build's worker threads: `state` is guarded by `lock`.
final class LabBuild: @unchecked Sendable {
    let plan: LabPlan
    let interruption = BuildInterruption()
    /// Reports the steps that take more than a second; nil says nothing.
    let progress: LabProgress?
    private let lock = NSLock()
    private var state: LabState
    private let undoLock = NSLock()
    private var undone = false

    init(plan: LabPlan, progress: LabProgress? = nil) {
        self.plan = plan
        self.progress = progress
        self.state = LabState(plan: plan)
    }

    /// What has been recorded so far.
    var recorded: LabState { lock.withLock { state } }

    private func record(_ change: (inout LabState) -> Void) throws(LabError) {
        let snapshot = lock.withLock { () -> LabState in
            change(&state)
            return state
        }
        try snapshot.save(to: plan.configuration.statePath)
    }

    /// Runs the stages up to and including `last`.
    func run(through last: LabBuildStage = .endpoints) throws {
        // Every write of the state file happens inside a step, so none can follow an undo.
        try interruption.step { try record { _ in } }
        for stage in LabBuildStage.allCases where stage <= last {
            try interruption.step { try run(stage) }
        }
        if last == .endpoints { try interruption.step { try record { $0.complete = true } } }
    }

    /// Stops the build and removes what it recorded, once: Ctrl-C (on the signal thread) and the error path
    /// (on the building thread) may both call it; the second caller waits for the first to finish.
    func undo(_ remove: (LabState) throws -> Void) {
        interruption.interrupt()
        undoLock.withLock {
            guard !undone else { return }
            undone = (try? remove(recorded)) != nil
        }
    }

    private func run(_ stage: LabBuildStage) throws {
        let configuration = plan.configuration
        switch stage {
        case .namespaces:
            for namespace in plan.namespaces {
                try record { $0.namespaces.append(namespace) }
                try perform("creating namespace \(namespace)") {
                    try ExternalCommand.check(["ip", "netns", "add", namespace])
                }
            }
        case .outsideWorld:
            if let style = configuration.vlan {
                try KernelFeatures.requireVLANs(style, in: configuration.hostNamespace)
            }
            try perform("wiring \(configuration.externalNamespace)") {
                try IPTool.batch(LabWiring.external(plan), in: configuration.externalNamespace)
                try IPTool.bridgeBatch(LabWiring.externalVLANs(plan), in: configuration.externalNamespace)
            }
            if configuration.vlan != nil {
                let client = configuration.externalVLAN103Namespace
                try perform("wiring \(client)") {
                    try IPTool.batch(LabWiring.externalVLAN103Client(plan), in: client)
                }
            }
        case .host:
            try perform("wiring \(configuration.hostNamespace)") {
                try IPTool.batch(LabWiring.host(plan), in: configuration.hostNamespace)
            }
        case .containers:
            switch plan.backend {
            case .namespaces:
                for member in plan.members {
                    let namespace = configuration.containerNamespace(member.name)
                    try perform("wiring \(namespace)") {
                        try IPTool.batch(LabWiring.container(member, addressing: plan.addressing), in: namespace)
                    }
                }
            case .lxc:
                try buildContainers()
            case .docker, .podman:
                try buildEngineContainers()
            }
            try perform("starting the lab listener in \(LabListener.container)") { try startListener(plan) }
            // LXC makes the veth host ends only when a container starts, so their VLANs are set after.
            try perform("setting the VLANs of br0's ports") {
                try IPTool.bridgeBatch(LabWiring.hostVLANs(plan), in: configuration.hostNamespace)
            }
        case .endpoints:
            try LabEndpoints.register(plan.endpoints, lab: configuration)
        }
    }

    /// Creates, configures and starts the LXC containers, all at once (lxc-create dominates `up`'s time).
    private func buildContainers() throws {
        let configuration = plan.configuration
        let folder = try perform("locating LXC containers") { try LXCTool.containerFolder() }
        try record { $0.containers = plan.containers }
        let members = plan.members
        let failures = ErrorCollector()
        _ = DedicatedThread.map(members.count, name: "lab container") { [self] index in
            let member = members[index]
            let name = configuration.containerName(member.name)
            do {
                try interruption.step {
                    try perform("creating LXC container \(name)") { try LXCTool.create(name) }
                    try LXCTool.configure(
                        name,
                        lab: configuration.name,
                        member: member,
                        addressing: plan.addressing,
                        folder: folder
                    )
                    try perform("starting LXC container \(name)") {
                        try LXCTool.start(name, in: configuration.hostNamespace, folder: folder)
                    }
                    let started = LXCTool.waitUntilRunning(name, in: configuration.hostNamespace)
                    if case .failure(let seen) = started {
                        let log =
                            (try? String(contentsOfFile: LXCTool.startLog(name, folder: folder), encoding: .utf8))?
                            .split(separator: "\n").filter { $0.contains("ERROR") }.last.map(String.init)
                        throw LabError.stepFailed(
                            step: "starting LXC container \(name)",
                            reason: "it is \(seen.state) after lxc-start (\(log ?? "no error in its log"))"
                        )
                    }
                }
            } catch {
                failures.add(error)
            }
        }
        if let first = failures.first { throw first }
    }

    /// Starts the lab's engine in the host namespace (dockerd), then its networks and containers. What the
    /// engine makes outside its folder is recorded first, so that `down` removes it even after a SIGKILL.
    private func buildEngineContainers() throws {
        guard let engine = plan.backend.engine(plan.configuration) else { return }
        let made = type(of: engine).globalPaths.filter { !FileManager.default.fileExists(atPath: $0) }
        try record { $0.madeGlobalPaths = made }
        try engine.register()
        let starting = type(of: engine).daemonName.map { "starting \($0)" } ?? "preparing \(type(of: engine).name)"
        try perform("\(starting) in \(plan.configuration.hostNamespace)") { try engine.prepare() }
        try interruption.step {
            try perform("importing the busybox image") { try engine.importImage() }
        }
        try interruption.step {
            try perform("creating the \(type(of: engine).name) networks on br0") { try engine.createNetworks(plan) }
        }
        let members = plan.members
        let failures = ErrorCollector()
        _ = DedicatedThread.map(members.count, name: "lab container") { [self] index in
            let member = members[index]
            do {
                try interruption.step {
                    let name = plan.configuration.containerName(member.name)
                    try perform("starting \(type(of: engine).name) container \(name)") {
                        try engine.startContainer(member)
                    }
                    try perform("naming \(name)'s veth") { try engine.renameHostEnd(of: member) }
                }
            } catch {
                failures.add(error)
            }
        }
        if let first = failures.first { throw first }
    }

    /// Starts the lab's listener in ct1's namespace (a plain namespace, or the LXC container's).
    func startListener(_ plan: LabPlan) throws {
        let configuration = plan.configuration
        let prefix: [String]
        switch plan.backend {
        case .namespaces:
            prefix = ["ip", "netns", "exec", configuration.containerNamespace(LabListener.container)]
        case .lxc:
            let name = configuration.containerName(LabListener.container)
            guard let pid = LXCTool.runningPID(name, in: configuration.hostNamespace) else {
                throw LabError.stepFailed(step: "finding \(name)'s namespace", reason: "it does not run")
            }
            prefix = ["nsenter", "--net=/proc/\(pid)/ns/net"]
        case .docker, .podman:
            let name = configuration.containerName(LabListener.container)
            guard let pid = plan.backend.engine(configuration)?.runningPID(name) else {
                throw LabError.stepFailed(step: "finding \(name)'s namespace", reason: "it does not run")
            }
            prefix = ["nsenter", "--net=/proc/\(pid)/ns/net"]
        }
        try LabListener(configuration: configuration).start(in: prefix)
    }

    @discardableResult
    private func perform<T>(_ step: String, _ body: () throws -> T) throws -> T {
        do {
            guard let progress else { return try body() }
            return try progress.step(step, body)
        } catch let error as LabError {
            throw error
        } catch {
            throw LabError.stepFailed(step: step, reason: "\(error)")
        }
    }
}
