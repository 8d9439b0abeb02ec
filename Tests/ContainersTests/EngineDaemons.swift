import Containers
import Foundation
import Glibc
import LinuxNet

/// A container engine run for one test inside its own namespace `lxcdiag-e<random>` (holding bridge br0, the
/// macvlan parent), with every state folder of its own, so that it rewrites only that namespace's firewall and
/// sysctls. `tearDown` removes its containers, daemon, mounts, folders and the namespace.
final class EngineDaemon {
    enum Kind: String { case docker, podman, lxd }

    let kind: Kind
    let namespace: String
    let stateRoot: String
    let runRoot: String
    private var daemon: Process?
    /// What the engine writes outside its own folders whatever its roots say, removed after when the test made
    /// it: dockerd's identity (/etc/docker/key.json), plugin and shim folders; Podman's blob cache, netavark's
    /// IPAM database (/run/containers/networks/ipam.db) and runc's state folder.
    private let madeGlobalPaths: [String]

    /// Whether the engine's tools are installed here (Debian's docker.io; podman with runc).
    static func isInstalled(_ kind: Kind) -> Bool {
        switch kind {
        case .docker:
            ExternalCommand.locate("/usr/sbin/dockerd") != nil && ExternalCommand.locate("/usr/bin/docker") != nil
        case .podman: ExternalCommand.locate("/usr/bin/podman") != nil && ExternalCommand.locate("runc") != nil
        case .lxd: ExternalCommand.locate("/usr/bin/lxd") != nil && ExternalCommand.locate("/usr/bin/lxc") != nil
        }
    }

    init(_ kind: Kind) throws {
        self.kind = kind
        let global: [String] =
            switch kind {
            case .docker: ["/etc/docker", "/etc/docker/key.json", "/run/docker", "/run/containerd"]
            case .podman: ["/var/lib/containers", "/run/containers", "/run/runc"]
            case .lxd: []
            }
        madeGlobalPaths = global.filter { !FileManager.default.fileExists(atPath: $0) }
        let tag = String(UInt32.random(in: 0..<UInt32.max), radix: 36)
        namespace = "lxcdiag-e\(tag)"
        stateRoot = "/var/lib/\(namespace)"
        runRoot = "/run/\(namespace)"
        do {
            try ExternalCommand.check(["ip", "netns", "add", namespace])
            try ExternalCommand.check(["ip", "-n", namespace, "link", "set", "lo", "up"])
            try ExternalCommand.check(["ip", "-n", namespace, "link", "add", "br0", "type", "bridge"])
            try ExternalCommand.check(["ip", "-n", namespace, "link", "set", "br0", "up"])
            try FileManager.default.createDirectory(atPath: "\(runRoot)/tmp", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: stateRoot, withIntermediateDirectories: true)
            switch kind {
            case .docker:
                try startDockerd()
                try importBusybox()
            case .podman: try importBusybox()
            case .lxd:
                try startLXD()
                try importLXDImage()
            }
        } catch {
            tearDown()
            throw error
        }
    }

    /// The engine's command line, run in the lab namespace (nsenter --net keeps lxcdiag's mount namespace, so
    /// the engine's namespace files are visible as on a host where the engine runs normally).
    func command(_ arguments: [String]) -> [String] {
        let enter = ["nsenter", "--net=/run/netns/\(namespace)"]
        switch kind {
        case .docker:
            return enter + ["/usr/bin/docker", "-H", "unix://\(runRoot)/docker.sock"] + arguments
        case .lxd:
            // The client talks to the daemon's socket under LXD_DIR; it needs no namespace.
            return ["env", "LXD_DIR=\(stateRoot)/lxd", "/usr/bin/lxc"] + arguments
        case .podman:
            return enter + [
                "/usr/bin/podman", "--root", "\(stateRoot)/storage", "--runroot", "\(runRoot)/storage", "--tmpdir",
                "\(runRoot)/tmp", "--network-config-dir", "\(stateRoot)/networks", "--runtime", "runc",
                "--cgroup-manager", "cgroupfs", "--events-backend", "file",
            ] + arguments
        }
    }

    @discardableResult
    func run(_ arguments: [String]) throws -> String {
        try ExternalCommand.check(command(arguments), timeoutSeconds: 60).trimmingCharacters(
            in: .whitespacesAndNewlines
        )
    }

    /// `run -d` of the busybox image sleeping, with the limits Podman needs here (its defaults cannot be raised).
    @discardableResult
    func start(_ name: String, options: [String]) throws -> String {
        let limits = kind == .podman ? ["--ulimit", "nofile=20000:20000", "--ulimit", "nproc=32768:32768"] : []
        return try run(["run", "-d", "--name", name] + limits + options + [image, "/bin/sleep", "3600"])
    }

    var image: String {
        switch kind {
        case .docker: "lxcdiag/busybox"
        case .podman: "localhost/lxcdiag/busybox"
        case .lxd: "lxcdiag-busybox"
        }
    }

    /// Where lxcdiag should look for this engine's state, as `lab up --engine` or an operator registers it.
    var registration: EngineRegistration {
        switch kind {
        case .docker: EngineRegistration(dockerDataRoot: "\(stateRoot)/docker")
        case .lxd: EngineRegistration(lxdDirectory: "\(stateRoot)/lxd")
        case .podman:
            EngineRegistration(
                podmanStorage: "\(stateRoot)/storage",
                podmanRun: "\(runRoot)/storage",
                podmanNetworks: "\(stateRoot)/networks"
            )
        }
    }

    /// Only this engine's state: no default locations, which may hold an operator's containers.
    func locations() throws -> EngineLocations {
        try registration.save(name: namespace, directory: "\(runRoot)/engines")
        return EngineLocations(dockerDataRoots: [], podman: [], lxd: [], proxmoxConfigs: "\(runRoot)/no-pve")
            .adding(registrationsIn: "\(runRoot)/engines")
    }

    private func startDockerd() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/nsenter")
        // Explicit subnets: Docker's default 172.17.0.0/16 and pools could overlap a real network.
        process.arguments = [
            "--net=/run/netns/\(namespace)", "/usr/sbin/dockerd", "--data-root", "\(stateRoot)/docker", "--exec-root",
            "\(runRoot)/exec", "--pidfile", "\(runRoot)/dockerd.pid", "-H", "unix://\(runRoot)/docker.sock", "--bip",
            "10.234.1.1/24", "--default-address-pool", "base=10.234.128.0/17,size=24",
        ]
        try start(process, log: "\(runRoot)/dockerd.log")
        // Bounded: 60 tries of half a second.
        for _ in 0..<60 {
            if (try? ExternalCommand.run(command(["version"]), timeoutSeconds: 5).status) == 0 { return }
            guard process.isRunning else { break }
            usleep(500_000)
        }
        let tail =
            (try? String(contentsOfFile: "\(runRoot)/dockerd.log", encoding: .utf8))?
            .split(separator: "\n").suffix(3).joined(separator: " | ") ?? ""
        throw EngineDaemonError(description: "dockerd did not answer within 30 s: \(tail)")
    }

    /// LXD under `ip netns exec`: LXD checks its bridges in /sys/class/net, which only a remounted /sys (as
    /// `ip netns exec` makes) shows for the lab namespace. Its preseed names a bridge with an explicit subnet, no
    /// NAT and no DHCP (`lxd init --minimal` picks a subnet and fails here).
    private func startLXD() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "LXD_DIR=\(stateRoot)/lxd", ExternalCommand.locate("ip") ?? "/usr/bin/ip", "netns", "exec", namespace,
            "/usr/bin/lxd", "--group", "root", "--logfile", "\(runRoot)/lxd.log",
        ]
        try start(process, log: "\(runRoot)/lxd.out")
        let ready = ["env", "LXD_DIR=\(stateRoot)/lxd", "/usr/bin/lxd", "waitready", "--timeout", "30"]
        guard (try? ExternalCommand.run(ready, timeoutSeconds: 40).status) == 0 else {
            throw EngineDaemonError(description: "lxd did not become ready within 30 s")
        }
        let preseed = """
            networks:
            - name: lxebr0
              type: bridge
              config: {ipv4.address: 10.234.1.1/24, ipv4.nat: "false", ipv4.dhcp: "false", ipv6.address: none}
            storage_pools:
            - {name: default, driver: dir}
            profiles:
            - name: default
              devices:
                eth0: {name: eth0, network: lxebr0, type: nic}
                root: {path: /, pool: default, type: disk}

            """
        try ExternalCommand.check(
            ["env", "LXD_DIR=\(stateRoot)/lxd", "/usr/bin/lxd", "init", "--preseed"],
            input: preseed,
            timeoutSeconds: 60
        )
    }

    /// An LXD image tarball: metadata.yaml and a busybox rootfs whose /sbin/init only sleeps.
    private func importLXDImage() throws {
        let folder = "\(runRoot)/image"
        try makeRootfs("\(folder)/rootfs")
        try FileManager.default.createDirectory(atPath: "\(folder)/rootfs/sbin", withIntermediateDirectories: true)
        for empty in ["dev", "proc", "sys", "tmp", "etc"] {
            try FileManager.default.createDirectory(
                atPath: "\(folder)/rootfs/\(empty)",
                withIntermediateDirectories: true
            )
        }
        try "#!/bin/sh\nexec /bin/sleep 100000\n".write(
            toFile: "\(folder)/rootfs/sbin/init",
            atomically: true,
            encoding: .utf8
        )
        chmod("\(folder)/rootfs/sbin/init", 0o755)
        try "architecture: x86_64\ncreation_date: 1764633600\nproperties:\n  os: busybox\n".write(
            toFile: "\(folder)/metadata.yaml",
            atomically: true,
            encoding: .utf8
        )
        try ExternalCommand.check(["tar", "-C", folder, "-czf", "\(runRoot)/image.tar.gz", "metadata.yaml", "rootfs"])
        try run(["image", "import", "\(runRoot)/image.tar.gz", "--alias", image])
    }

    private func start(_ process: Process, log path: String) throws {
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let log = FileHandle(forWritingAtPath: path)
        process.standardOutput = log
        process.standardError = log
        try process.run()
        daemon = process
    }

    private func makeRootfs(_ rootfs: String) throws {
        try FileManager.default.createDirectory(atPath: "\(rootfs)/bin", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "/bin/busybox", toPath: "\(rootfs)/bin/busybox")
        for applet in ["sh", "sleep", "ip"] {
            try FileManager.default.createSymbolicLink(
                atPath: "\(rootfs)/bin/\(applet)",
                withDestinationPath: "busybox"
            )
        }
    }

    /// A one-binary image: busybox-static as /bin/busybox with the applets the tests use.
    private func importBusybox() throws {
        let rootfs = "\(runRoot)/rootfs"
        try makeRootfs(rootfs)
        try ExternalCommand.check(["tar", "-C", rootfs, "-cf", "\(runRoot)/rootfs.tar", "."])
        try run(["import", "\(runRoot)/rootfs.tar", image])
    }

    /// Removes containers, networks, the daemon, every mount under the state folders, the folders and the
    /// namespace. Each step runs whatever the previous did.
    func tearDown() {
        if kind == .lxd {
            let names = (try? run(["list", "-c", "n", "--format", "csv"])) ?? ""
            for name in names.split(separator: "\n") {
                _ = try? ExternalCommand.run(command(["delete", "-f", String(name)]), timeoutSeconds: 60)
            }
            let shutdown = ["env", "LXD_DIR=\(stateRoot)/lxd", "/usr/bin/lxd", "shutdown", "--timeout", "30"]
            _ = try? ExternalCommand.run(shutdown, timeoutSeconds: 40)
        } else if let ids = try? run(["ps", "-aq"]), !ids.isEmpty {
            _ = try? ExternalCommand.run(
                command(["rm", "-f"] + ids.split(separator: "\n").map(String.init)),
                timeoutSeconds: 60
            )
        }
        if kind == .podman { _ = try? ExternalCommand.run(command(["network", "prune", "-f"]), timeoutSeconds: 30) }
        if let daemon, daemon.isRunning {
            daemon.terminate()
            for _ in 0..<40 where daemon.isRunning { usleep(250_000) }
            if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) }
        }
        unmountAll(under: [stateRoot, runRoot])
        try? FileManager.default.removeItem(atPath: stateRoot)
        try? FileManager.default.removeItem(atPath: runRoot)
        for path in madeGlobalPaths { try? FileManager.default.removeItem(atPath: path) }
        _ = try? ExternalCommand.run(["ip", "netns", "delete", namespace])
    }

    /// Unmounts, deepest first, what the engine left mounted under `roots` (overlays, namespace files, shm).
    private func unmountAll(under roots: [String]) {
        // Read to the end: procfs files report size 0, and a read by size gets nothing.
        let table = String(
            decoding: FileHandle(forReadingAtPath: "/proc/self/mountinfo")?.readDataToEndOfFile() ?? Data(),
            as: UTF8.self
        )
        let points = table.split(separator: "\n").compactMap { line -> String? in
            let fields = line.split(separator: " ")
            guard fields.count > 4 else { return nil }
            let point = String(fields[4])
            return roots.contains { point == $0 || point.hasPrefix($0 + "/") } ? point : nil
        }
        for point in points.sorted(by: { $0.count > $1.count }) { umount2(point, Int32(MNT_DETACH)) }
    }
}

struct EngineDaemonError: Error, CustomStringConvertible {
    var description: String
}
