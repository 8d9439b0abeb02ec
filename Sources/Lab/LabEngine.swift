internal import Containers
import Foundation
internal import LinuxNet

/// What `lab up --engine` needs of an engine: its tools, a folder of its own for all its state, and the steps
/// that make the seed's containers. Each engine runs only inside the lab's host namespace, entered with
/// `nsenter --net` (which keeps this mount namespace, so its namespace files are visible to every command).
protocol LabEngine: Sendable {
    /// The `--engine` word and the kind the endpoint file gives the containers.
    static var name: String { get }
    /// The engine's daemon, when it has one that outlives `up` (dockerd); nil for daemonless engines.
    static var daemonName: String? { get }
    /// Paths the engine writes outside its folder whatever its options say; `down` removes the ones `up` made
    /// when no other process of the engine runs.
    static var globalPaths: [String] { get }
    static var isInstalled: Bool { get }

    var configuration: LabConfiguration { get }
    /// Where `lxcdiag` finds the containers by the engine's own state (`ENGINE:NAME`).
    var registration: EngineRegistration { get }

    init(configuration: LabConfiguration)

    /// Makes the folder and starts what must run before containers can (dockerd), waiting until it answers.
    func prepare() throws(LabError)
    /// Imports the busybox image from /bin/busybox (no registry needed).
    func importImage() throws
    /// The bridge network on br0 and the macvlan network whose parent is br0, both in the lab's subnet.
    func createNetworks(_ plan: LabPlan) throws
    /// Starts container `member` on its network with its lab address, sleeping.
    func startContainer(_ member: LabMember) throws
    /// The pid of a running container's init, asked of the engine; nil when it does not run.
    func runningPID(_ container: String) -> Int32?
    /// Removes containers and networks through the engine while it still works, and stops its daemon.
    func removeThroughEngine()
    /// Namespace files of the containers outside the lab's folder (Podman's /run/netns/netns-UUID).
    func namespaceFiles() -> [String]
}

extension LabEngine {
    /// Where everything of this lab's engine lives: `/run/lxcdiag/labs/NAME.ENGINE`.
    var root: String { "\(configuration.stateDirectory)/\(configuration.name).\(Self.name)" }

    /// The name of the registration that tells every lxcdiag command where this engine keeps its containers.
    var registrationName: String { "lab-\(configuration.name)" }

    /// Writes the registration (in /run/lxcdiag/engines), so `ENGINE:NAME` finds the lab's containers.
    func register() throws(LabError) {
        do {
            try registration.save(name: registrationName)
        } catch {
            throw LabError.stepFailed(step: "registering the lab's \(Self.name)", reason: "\(error)")
        }
    }

    /// The busybox rootfs tarball both image imports read: busybox-static as the only binary.
    func makeImageTarball() throws -> String {
        let rootfs = "\(root)/image"
        try? FileManager.default.removeItem(atPath: rootfs)
        try FileManager.default.createDirectory(atPath: "\(rootfs)/bin", withIntermediateDirectories: true)
        guard let busybox = ExternalCommand.locate("busybox") else {
            throw LabError.stepFailed(step: "making the busybox image", reason: "busybox is not installed")
        }
        try FileManager.default.copyItem(atPath: busybox, toPath: "\(rootfs)/bin/busybox")
        for applet in ["sh", "sleep", "ip", "ping", "nc"] {
            try FileManager.default.createSymbolicLink(
                atPath: "\(rootfs)/bin/\(applet)",
                withDestinationPath: "busybox"
            )
        }
        try ExternalCommand.check(["tar", "-C", rootfs, "-cf", "\(root)/image.tar", "."], timeoutSeconds: 60)
        return "\(root)/image.tar"
    }

    func namespaceFiles() -> [String] { [] }

    /// The pid an engine's `inspect -f {{.State.Pid}} CONTAINER` command line prints; nil when the container
    /// does not run (0) or the engine does not answer.
    func inspectedPID(_ command: [String]) -> Int32? {
        guard let output = try? ExternalCommand.run(command, timeoutSeconds: 20), output.status == 0,
            let pid = Int32(output.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0
        else { return nil }
        return pid
    }

    /// The engine's networks of the lab's members: the bridge one for veth members, the macvlan one otherwise.
    func network(of member: LabMember) -> String {
        switch member.attachment {
        case .veth: "\(configuration.name)-bridge"
        case .macvlan: "\(configuration.name)-macvlan"
        }
    }

    /// Renames the host end of a bridge member's veth (Docker's `vethXXXXXXX`, Podman's `vethN`) to the lab's name for it.
    func renameHostEnd(of member: LabMember) throws {
        guard case .veth(let hostEnd) = member.attachment else { return }
        let container = configuration.containerName(member.name)
        guard let pid = runningPID(container) else {
            throw LabError.stepFailed(step: "finding \(container)'s namespace", reason: "it does not run")
        }
        // "2: eth0@if7: <...": the peer's ifindex follows "@if".
        let line = try ExternalCommand.check([
            "nsenter", "--net=/proc/\(pid)/ns/net", "ip", "-o", "link", "show", "dev", "eth0",
        ])
        guard let marker = line.range(of: "@if"),
            let peer = Int(line[marker.upperBound...].prefix(while: \.isNumber))
        else {
            throw LabError.stepFailed(step: "finding \(container)'s veth peer", reason: "no @ifN in '\(line)'")
        }
        let host = configuration.hostNamespace
        let links = try ExternalCommand.check(["ip", "-n", host, "-o", "link", "show"])
        guard
            let name = links.split(separator: "\n").first(where: { $0.hasPrefix("\(peer): ") })?
                .split(separator: ":").dropFirst().first?.trimmingCharacters(in: .whitespaces)
                .split(separator: "@").first.map(String.init)
        else {
            throw LabError.stepFailed(step: "finding \(container)'s veth in \(host)", reason: "no link \(peer)")
        }
        guard name != hostEnd else { return }
        try IPTool.batch(
            ["link set dev \(name) down", "link set dev \(name) name \(hostEnd)", "link set dev \(hostEnd) up"],
            in: host
        )
    }

    /// Removes everything of the lab's engine, whatever state it is in: containers and networks through the
    /// engine when it works, then every process still running from its folder or in its containers (a
    /// container's root is an overlay under the folder) or in the host namespace, the mounts under the folder,
    /// the folder, the registration, and the global paths `made` lists (only when no other process of the
    /// engine runs). Each step runs whatever the previous did; returns what could not be removed.
    func remove(madeGlobalPaths made: [String], hostNamespaceInode: UInt64?) -> [String] {
        var failures: [String] = []
        // Read before the folder goes: the containers' configs name them.
        let namespaceFiles = namespaceFiles()
        removeThroughEngine()
        // containerd, shims and conmon, and the containers' processes, outlive a killed daemon or `up`; a conmon
        // that sees its container die starts `podman container cleanup`, which mounts the storage again. So
        // kill, unmount and remove until the folder is gone (bounded: 10 rounds).
        var lastError: (any Error)?
        for _ in 0..<10 {
            for _ in 0..<10 {
                let left = LabProcesses.find(mentioning: root, rootUnder: root, netnsInode: hostNamespaceInode)
                if left.isEmpty { break }
                for pid in left { kill(pid, SIGKILL) }
                usleep(200_000)
            }
            LabProcesses.unmountAll(under: root)
            do {
                if FileManager.default.fileExists(atPath: root) { try FileManager.default.removeItem(atPath: root) }
                lastError = nil
            } catch {
                lastError = error
            }
            // Done once nothing of the engine runs and the folder stays gone: a cleanup started just before the
            // last kill would make it again.
            usleep(500_000)
            if lastError == nil, !FileManager.default.fileExists(atPath: root),
                LabProcesses.find(mentioning: root, rootUnder: root, netnsInode: hostNamespaceInode).isEmpty
            {
                break
            }
        }
        let left = LabProcesses.find(mentioning: root, rootUnder: root, netnsInode: hostNamespaceInode)
        if !left.isEmpty { failures.append("processes \(left.map(String.init).joined(separator: ", ")) still run") }
        if let lastError { failures.append("removing \(root): \(lastError)") }
        for file in namespaceFiles where FileManager.default.fileExists(atPath: file) {
            umount2(file, Int32(MNT_DETACH))
            try? FileManager.default.removeItem(atPath: file)
        }
        EngineRegistration.remove(name: registrationName)
        // A daemon killed just before may take a moment to go: wait for it (at most 2 s) before deciding that
        // another one runs and still needs the global paths.
        let program = Self.daemonName ?? Self.name
        for _ in 0..<10 where LabProcesses.anyRunning(named: program) { usleep(200_000) }
        if !LabProcesses.anyRunning(named: program) {
            for path in made { try? FileManager.default.removeItem(atPath: path) }
        }
        return failures
    }
}

extension LabBackend {
    /// The engine that makes this backend's containers; nil for LXC and plain namespaces.
    func engine(_ configuration: LabConfiguration) -> (any LabEngine)? {
        switch self {
        case .lxc, .namespaces: nil
        case .docker: LabDocker(configuration: configuration)
        case .podman: LabPodman(configuration: configuration)
        }
    }

    /// Whether this backend's engine is installed (LXC and namespaces are checked elsewhere).
    var engineInstalled: Bool {
        switch self {
        case .lxc, .namespaces: true
        case .docker: LabDocker.isInstalled
        case .podman: LabPodman.isInstalled
        }
    }
}
