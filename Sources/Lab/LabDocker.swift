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
struct LabDocker: LabEngine {
    let configuration: LabConfiguration

    static let name = "docker"
    static let daemonName: String? = "dockerd"
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

    var registration: EngineRegistration { EngineRegistration(dockerDataRoot: dataRoot) }

    /// Starts dockerd detached (it outlives `lab up`) inside the host namespace and waits (at most 90 s) until it
    /// answers. `--bridge none`: no docker0 and no default pool in use; the lab's networks name their subnet.
    func prepare() throws(LabError) {
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

    func importImage() throws {
        try run(["import", try makeImageTarball(), Self.image], timeoutSeconds: 120)
    }

    func createNetworks(_ plan: LabPlan) throws {
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

    func startContainer(_ member: LabMember) throws {
        try run(
            [
                "run", "-d", "--name", configuration.containerName(member.name), "--hostname", member.name,
                "--network", network(of: member), "--ip", "\(member.address)", Self.image, "/bin/sleep", "1000000000",
            ],
            timeoutSeconds: 120
        )
    }

    func runningPID(_ container: String) -> Int32? {
        inspectedPID(client(["inspect", "-f", "{{.State.Pid}}", container]))
    }

    /// Through the daemon when it answers; then the daemon, TERM (at most 20 s), then KILL.
    func removeThroughEngine() {
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
