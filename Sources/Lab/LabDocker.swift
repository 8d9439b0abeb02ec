internal import Containers
import Foundation
internal import LinuxNet
internal import NetworkModel
internal import PacketCodec

/// The lab's own dockerd and its containers (`lab up --engine docker`).
///
/// dockerd rewrites the firewall and sysctls of the namespace it runs in (FORWARD policy DROP, ip_forward=1,
/// its chains), so it runs only inside the lab's host namespace, entered with `nsenter --net` (which keeps this
/// mount namespace, so its namespace files under the exec root are visible to every lxcdiag command). All its
/// state is under `root` (`/run/lxcdiag/labs/NAME.docker`): data root, exec root, pid file, socket and log.
///
/// The wiring is the seed's: ct1 and ct2 on a Docker bridge network whose bridge is the lab's br0 (Docker puts
/// its gateway address on br0), ct3 and ct4 on a Docker macvlan network whose parent is br0. Both networks are
/// the lab's subnet; each takes an `--ip-range` of it, which is what lets Docker's address management accept
/// two networks of one subnet. The host ends of ct1's and ct2's veths are renamed `veth-ct1` and `veth-ct2`,
/// so the lab's faults and output name the same ports with every engine.
struct LabDocker: Sendable {
    let configuration: LabConfiguration

    /// Where everything of this lab's dockerd lives.
    var root: String { "\(configuration.stateDirectory)/\(configuration.name).docker" }
    var dataRoot: String { "\(root)/data" }
    var execRoot: String { "\(root)/exec" }
    var pidFile: String { "\(root)/dockerd.pid" }
    var socket: String { "\(root)/docker.sock" }
    var log: String { "\(root)/dockerd.log" }

    /// The image the containers run: busybox-static as its only binary, imported offline.
    static let image = "lxcdiag/busybox"
    /// Paths dockerd writes outside its roots whatever its options say; `down` removes the ones the lab made.
    static let globalPaths = ["/etc/docker", "/etc/docker/key.json", "/run/docker", "/run/containerd"]

    /// The Debian docker.io daemon and its client (a newer client elsewhere in PATH also talks to it, but the
    /// daemon's own is what the tests use).
    static var daemonPath: String? { ExternalCommand.locate("/usr/sbin/dockerd") ?? ExternalCommand.locate("dockerd") }
    static var clientPath: String? { ExternalCommand.locate("/usr/bin/docker") ?? ExternalCommand.locate("docker") }
    static var isInstalled: Bool { daemonPath != nil && clientPath != nil }

    /// The bridge and macvlan networks' names.
    var bridgeNetwork: String { "\(configuration.name)-bridge" }
    var macvlanNetwork: String { "\(configuration.name)-macvlan" }

    /// The client command line for this lab's daemon.
    func client(_ arguments: [String]) -> [String] {
        [Self.clientPath ?? "docker", "-H", "unix://\(socket)"] + arguments
    }

    @discardableResult
    func run(_ arguments: [String], timeoutSeconds: Double = 60) throws(CommandError) -> String {
        try ExternalCommand.check(client(arguments), timeoutSeconds: timeoutSeconds)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Whether the daemon answers (within 5 s).
    var answers: Bool { (try? ExternalCommand.run(client(["version"]), timeoutSeconds: 5).status) == 0 }

    /// The name of the registration that tells every lxcdiag command where this daemon keeps its containers.
    var registrationName: String { "lab-\(configuration.name)" }

    /// Registers the data root (in /run/lxcdiag/engines), so `docker:NAME` finds the lab's containers.
    func register() throws(LabError) {
        do {
            try EngineRegistration(dockerDataRoot: dataRoot).save(name: registrationName)
        } catch {
            throw LabError.stepFailed(step: "registering the lab's dockerd", reason: "\(error)")
        }
    }

    /// Starts dockerd detached (it outlives `lab up`) inside the host namespace and waits (at most 90 s) until it
    /// answers. `--bridge none`: no docker0 and no default pool in use; the lab's networks name their subnet.
    func startDaemon() throws(LabError) {
        guard let daemon = Self.daemonPath else { throw LabError.engineMissing("docker") }
        do {
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        } catch {
            throw LabError.stepFailed(step: "creating \(root)", reason: "\(error)")
        }
        // Every word is a path under the lab's state folder, whose name is lowercase letters, digits and dashes.
        let command = [
            "exec", "nsenter", "--net=/run/netns/\(configuration.hostNamespace)", daemon, "--data-root", dataRoot,
            "--exec-root", execRoot, "--pidfile", pidFile, "-H", "unix://\(socket)", "--bridge", "none",
            ">>\(log)", "2>&1", "</dev/null",
        ].joined(separator: " ")
        do {
            try ExternalCommand.check(["setsid", "-f", "sh", "-c", command])
        } catch {
            throw LabError.stepFailed(step: "starting dockerd", reason: "\(error)")
        }
        let deadline = monotonicNanoseconds() + 90_000_000_000
        while !answers {
            guard monotonicNanoseconds() < deadline else {
                let tail =
                    (try? String(contentsOfFile: log, encoding: .utf8))?
                    .split(separator: "\n").suffix(2).joined(separator: " | ") ?? "no log"
                throw LabError.stepFailed(step: "starting dockerd", reason: "it did not answer within 90 s: \(tail)")
            }
            usleep(300_000)
        }
    }

    /// Imports the busybox image from /bin/busybox (no registry needed).
    func importImage() throws {
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
        try run(["import", "\(root)/image.tar", Self.image], timeoutSeconds: 120)
    }

    /// The bridge network on br0 and the macvlan network whose parent is br0, both in the lab's subnet.
    func createNetworks(_ plan: LabPlan) throws(CommandError) {
        let addressing = plan.addressing
        let subnet = addressing.subnet.description
        try run([
            "network", "create", "-d", "bridge", "--subnet", subnet, "--ip-range", "\(addressing.address(8))/30",
            "--gateway", "\(Self.bridgeGateway(addressing))", "-o", "com.docker.network.bridge.name=br0",
            "-o", "com.docker.network.driver.mtu=\(LabPlan.mtu)", bridgeNetwork,
        ])
        try run([
            "network", "create", "-d", "macvlan", "--subnet", subnet, "--ip-range", "\(addressing.address(12))/30",
            "--gateway", "\(addressing.external)", "-o", "parent=br0",
            "-o", "macvlan_mode=\(plan.configuration.macvlanMode.rawValue)", macvlanNetwork,
        ])
    }

    /// The gateway address Docker gives br0: the last of the lab's first 64 addresses, which no endpoint or
    /// fault uses (the lab's subnet is at most a /26).
    static func bridgeGateway(_ addressing: LabAddressing) -> IPv4Address { addressing.address(62) }

    /// Starts container `member` on its network with its lab address, sleeping.
    func startContainer(_ member: LabMember) throws(CommandError) {
        let network: String
        switch member.attachment {
        case .veth: network = bridgeNetwork
        case .macvlan: network = macvlanNetwork
        }
        try run(
            [
                "run", "-d", "--name", configuration.containerName(member.name), "--hostname", member.name,
                "--network", network, "--ip", "\(member.address)", Self.image, "/bin/sleep", "1000000000",
            ],
            timeoutSeconds: 120
        )
    }

    /// The pid of a running container's init, asked of the daemon; nil when it does not run or does not answer.
    func runningPID(_ container: String) -> Int32? {
        guard
            let output = try? ExternalCommand.run(
                client(["inspect", "-f", "{{.State.Pid}}", container]),
                timeoutSeconds: 10
            ),
            output.status == 0, let pid = Int32(output.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)),
            pid > 0
        else { return nil }
        return pid
    }

    /// Renames the host end of a bridge member's veth (Docker's `vethXXXXXXX`) to the lab's name for it.
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

    /// Removes everything of the lab's dockerd, whatever state it is in: containers and networks through the
    /// daemon when it answers, then the daemon, every process still running from its roots or in its
    /// containers, the mounts under its roots, the roots, and the global paths `made` lists (only when no other
    /// dockerd runs). Each step runs whatever the previous did; returns what could not be removed.
    func remove(madeGlobalPaths made: [String], hostNamespaceInode: UInt64?) -> [String] {
        var failures: [String] = []
        if answers {
            let names = ["ct1", "ct2", "ct3", "ct4"].map(configuration.containerName)
            _ = try? ExternalCommand.run(client(["rm", "-f"] + names), timeoutSeconds: 60)
            _ = try? ExternalCommand.run(client(["network", "rm", bridgeNetwork, macvlanNetwork]), timeoutSeconds: 30)
        }
        if let pid = daemonPID {
            kill(pid, SIGTERM)
            let deadline = monotonicNanoseconds() + 20_000_000_000
            while daemonPID != nil, monotonicNanoseconds() < deadline { usleep(100_000) }
            if let pid = daemonPID { kill(pid, SIGKILL) }
        }
        // containerd, its shims and the containers' processes (their root is an overlay under the data root)
        // outlive a dockerd that was killed.
        for _ in 0..<10 {
            let left = LabProcesses.find(mentioning: root, rootUnder: root, netnsInode: hostNamespaceInode)
            if left.isEmpty { break }
            for pid in left { kill(pid, SIGKILL) }
            usleep(200_000)
        }
        let left = LabProcesses.find(mentioning: root, rootUnder: root, netnsInode: hostNamespaceInode)
        if !left.isEmpty { failures.append("processes \(left.map(String.init).joined(separator: ", ")) still run") }
        LabProcesses.unmountAll(under: root)
        if FileManager.default.fileExists(atPath: root) {
            do { try FileManager.default.removeItem(atPath: root) } catch {
                failures.append("removing \(root): \(error)")
            }
        }
        EngineRegistration.remove(name: registrationName)
        if !LabProcesses.anyRunning(named: "dockerd") {
            for path in made { try? FileManager.default.removeItem(atPath: path) }
        }
        return failures
    }

    /// The daemon's pid, from its pid file, when that process still runs dockerd.
    var daemonPID: Int32? {
        guard let text = try? String(contentsOfFile: pidFile, encoding: .utf8),
            let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)),
            let commandLine = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"),
            String(decoding: commandLine, as: UTF8.self).contains(execRoot)
        else { return nil }
        return pid
    }
}
