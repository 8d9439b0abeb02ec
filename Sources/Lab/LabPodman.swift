internal import Containers
import Foundation
internal import LinuxNet
internal import PacketCodec

/// The lab's Podman containers (`lab up --engine podman`): rootful podman with runc and netavark, run inside
/// the lab's host namespace (netavark adds its chains there), all its storage, run state and network configs
/// under `root` (`/run/lxcdiag/labs/NAME.podman`). Podman has no daemon: each container has a `conmon` monitor,
/// whose command line names the run root, so `down` finds it after a kill too.
///
/// ct1 and ct2 are on a netavark bridge network whose interface is the lab's br0, ct3 and ct4 on a macvlan
/// network whose parent is br0, both in the lab's subnet with an address range each. Podman 4.3 cannot name
/// the bridge (`--interface-name` came later) and refuses a bridge subnet another network uses, so the lab
/// writes both networks' configs itself (netavark's JSON, as `podman network create` writes it).
struct LabPodman: LabEngine {
    let configuration: LabConfiguration

    static let name = "podman"
    static let daemonName: String? = nil
    /// Netavark's address database, the image blob cache and runc's state folder.
    static let globalPaths = ["/run/containers", "/var/lib/containers", "/run/runc"]
    static let image = "localhost/lxcdiag/busybox"
    static var isInstalled: Bool {
        ExternalCommand.locate("/usr/bin/podman") != nil && ExternalCommand.locate("runc") != nil
    }

    var storage: String { "\(root)/storage" }
    var runRoot: String { "\(root)/run" }
    var networks: String { "\(root)/networks" }

    var registration: EngineRegistration {
        EngineRegistration(podmanStorage: storage, podmanRun: runRoot, podmanNetworks: networks)
    }

    /// podman's command line in the lab's host namespace, with the lab's folders, runc (crun fails on these
    /// hybrid cgroups) and no systemd.
    func command(_ arguments: [String]) -> [String] {
        [
            "nsenter", "--net=/run/netns/\(configuration.hostNamespace)", "/usr/bin/podman", "--root", storage,
            "--runroot", runRoot, "--tmpdir", "\(root)/tmp", "--network-config-dir", networks, "--runtime", "runc",
            "--cgroup-manager", "cgroupfs", "--events-backend", "file",
        ] + arguments
    }

    @discardableResult
    func run(_ arguments: [String], timeoutSeconds: Double = 120) throws(CommandError) -> String {
        try ExternalCommand.check(command(arguments), timeoutSeconds: timeoutSeconds)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func prepare() throws(LabError) {
        do {
            for folder in [root, "\(root)/tmp", networks] {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            }
        } catch {
            throw LabError.stepFailed(step: "creating \(root)", reason: "\(error)")
        }
    }

    func importImage() throws {
        try run(["import", try makeImageTarball(), Self.image])
    }

    func createNetworks(_ plan: LabPlan) throws {
        let addressing = plan.addressing
        let bridge = Self.networkConfig(
            name: "\(configuration.name)-bridge",
            driver: "bridge",
            interface: "br0",
            subnet: addressing.subnet.description,
            gateway: LabDocker.bridgeGateway(addressing),
            range: (addressing.address(8), addressing.address(11)),
            options: nil
        )
        let macvlan = Self.networkConfig(
            name: "\(configuration.name)-macvlan",
            driver: "macvlan",
            interface: "br0",
            subnet: addressing.subnet.description,
            gateway: addressing.external,
            range: (addressing.address(12), addressing.address(15)),
            options: ["mode": plan.configuration.macvlanMode.rawValue]
        )
        for (name, data) in [("bridge", bridge), ("macvlan", macvlan)] {
            try data.write(to: URL(fileURLWithPath: "\(networks)/\(configuration.name)-\(name).json"))
        }
    }

    /// A network config as podman 4 keeps it in its network config folder.
    static func networkConfig(
        name: String,
        driver: String,
        interface: String,
        subnet: String,
        gateway: IPv4Address,
        range: (IPv4Address, IPv4Address),
        options: [String: String]?
    ) -> Data {
        var config: [String: Any] = [
            "name": name,
            // Podman wants a 64-hex-digit id; the name's bytes make it stable.
            "id": String(name.utf8.map { String(format: "%02x", $0) }.joined().prefix(64))
                .padding(toLength: 64, withPad: "0", startingAt: 0),
            "driver": driver,
            "network_interface": interface,
            "created": ISO8601DateFormatter().string(from: Date()),
            "subnets": [
                [
                    "subnet": subnet, "gateway": "\(gateway)",
                    "lease_range": ["start_ip": "\(range.0)", "end_ip": "\(range.1)"],
                ]
            ],
            "ipv6_enabled": false,
            "internal": false,
            "dns_enabled": false,
            "ipam_options": ["driver": "host-local"],
        ]
        if let options { config["options"] = options }
        return (try? JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys])) ?? Data()
    }

    func startContainer(_ member: LabMember) throws {
        try run([
            "run", "-d", "--name", configuration.containerName(member.name), "--hostname", member.name,
            "--ulimit", "nofile=20000:20000", "--ulimit", "nproc=32768:32768", "--network", network(of: member),
            "--ip", "\(member.address)", Self.image, "/bin/sleep", "1000000000",
        ])
    }

    func runningPID(_ container: String) -> Int32? {
        inspectedPID(command(["inspect", "-f", "{{.State.Pid}}", container]))
    }

    /// The containers' namespace files under /run/netns (`netns-UUID`), as the containers' own configs name
    /// them: a killed `podman run` or `rm` leaves them, outside the lab's folder.
    func namespaceFiles() -> [String] {
        let folder = "\(storage)/overlay-containers"
        let ids = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return ids.compactMap { id in
            // The OCI runtime config podman wrote: linux.namespaces[type == network].path.
            guard let data = FileManager.default.contents(atPath: "\(folder)/\(id)/userdata/config.json"),
                let config = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                let linux = config["linux"] as? [String: Any],
                let namespaces = linux["namespaces"] as? [[String: Any]],
                let path = namespaces.first(where: { $0["type"] as? String == "network" })?["path"] as? String,
                path.hasPrefix("/run/netns/netns-")
            else { return nil }
            return path
        }
    }

    /// `podman rm -f` runs netavark's teardown (its chains, the container's netns file under /run/netns).
    func removeThroughEngine() {
        guard FileManager.default.fileExists(atPath: storage),
            FileManager.default.fileExists(atPath: "/run/netns/\(configuration.hostNamespace)")
        else { return }
        _ = try? ExternalCommand.run(command(["rm", "-f", "-t", "0", "--all"]), timeoutSeconds: 60)
    }
}
