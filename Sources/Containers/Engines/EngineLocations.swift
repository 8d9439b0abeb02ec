import Foundation

/// Where the container engines on this host keep their state: each engine's default, plus the data roots a
/// daemon was started with elsewhere (`dockerd --data-root`, `podman --root`), as the lab's engines are.
package struct EngineLocations: Sendable, Hashable {
    package var dockerDataRoots: [String]
    package var podman: [PodmanEngine.Paths]
    package var lxd: [LXDEngine.Installation]
    package var proxmoxConfigs: String

    package init(
        dockerDataRoots: [String] = [DockerEngine.defaultDataRoot],
        podman: [PodmanEngine.Paths] = [PodmanEngine.Paths()],
        lxd: [LXDEngine.Installation] = LXDEngine.defaultInstallations,
        proxmoxConfigs: String = ProxmoxEngine.defaultConfigDirectory
    ) {
        self.dockerDataRoots = dockerDataRoots
        self.podman = podman
        self.lxd = lxd
        self.proxmoxConfigs = proxmoxConfigs
    }

    /// Each engine's own default locations.
    package static let standard = EngineLocations()

    /// The containers of every engine here. `running` is what the LXC monitors showed (LXD's and Proxmox's
    /// containers run through liblxc); it returns those of them that belong to LXD, to leave out of plain LXC
    /// (by lxcpath and name: a plain LXC container may share an LXD container's name).
    func scan(
        running: [RunningContainerFinder.Found]
    ) -> (containers: [EngineContainer], lxd: Set<RunningContainerFinder.Found>) {
        var found: [EngineContainer] = []
        for root in dockerDataRoots { found += DockerEngine.scan(dataRoot: root) }
        for paths in podman { found += PodmanEngine.scan(paths) }
        var ofLXD: Set<RunningContainerFinder.Found> = []
        for container in running {
            guard let path = container.lxcpath,
                let installation = LXDEngine.installation(forLXCPath: path, among: lxd)
            else { continue }
            ofLXD.insert(container)
            found.append(LXDEngine.container(name: container.name, pid: container.initPid, installation: installation))
        }
        let plain = running.filter { !ofLXD.contains($0) }
        let pids = Dictionary(plain.map { ($0.name, $0.initPid) }, uniquingKeysWith: { first, _ in first })
        found += ProxmoxEngine.scan(directory: proxmoxConfigs, running: pids)
        for index in found.indices {
            if let file = found[index].namespaceFile, found[index].pid != nil, !Self.isNamespaceMount(file) {
                found[index].namespaceFile = nil
            }
        }
        return (found, ofLXD)
    }

    /// Whether `path` is a namespace mount in lxcdiag's mount namespace. A daemon started in another one
    /// (`ip netns exec` makes one) keeps its namespace mounts there; its containers are then reached through their
    /// processes instead.
    static func isNamespaceMount(_ path: String) -> Bool {
        // Every namespace file lives on the one nsfs device, /proc/self/ns/net's; an unmounted target does not.
        var file = stat()
        var own = stat()
        return stat(path, &file) == 0 && stat("/proc/self/ns/net", &own) == 0 && file.st_dev == own.st_dev
    }
}

/// An engine daemon started with its state away from the defaults (the lab's, or an operator's second dockerd),
/// registered as DIRECTORY/NAME.json so that every command finds its containers.
package struct EngineRegistration: Codable, Sendable, Hashable {
    package var dockerDataRoot: String?
    package var podmanStorage: String?
    package var podmanRun: String?
    package var podmanNetworks: String?
    /// An LXD started with `LXD_DIR` set to this.
    package var lxdDirectory: String?

    package init(
        dockerDataRoot: String? = nil,
        podmanStorage: String? = nil,
        podmanRun: String? = nil,
        podmanNetworks: String? = nil,
        lxdDirectory: String? = nil
    ) {
        self.dockerDataRoot = dockerDataRoot
        self.podmanStorage = podmanStorage
        self.podmanRun = podmanRun
        self.podmanNetworks = podmanNetworks
        self.lxdDirectory = lxdDirectory
    }

    enum CodingKeys: String, CodingKey {
        case dockerDataRoot = "docker_data_root"
        case podmanStorage = "podman_storage"
        case podmanRun = "podman_run"
        case podmanNetworks = "podman_networks"
        case lxdDirectory = "lxd_dir"
    }

    /// Where registrations live.
    package static let defaultDirectory = "/run/lxcdiag/engines"

    /// Writes the registration as `directory/name.json`.
    package func save(name: String, directory: String = defaultDirectory) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: URL(fileURLWithPath: "\(directory)/\(name).json"))
    }

    /// Removes `directory/name.json`, if it is there.
    package static func remove(name: String, directory: String = defaultDirectory) {
        try? FileManager.default.removeItem(atPath: "\(directory)/\(name).json")
    }
}

extension EngineLocations {
    /// These locations plus every registration in `directory`; a file that does not decode is skipped.
    package func adding(registrationsIn directory: String = EngineRegistration.defaultDirectory) -> EngineLocations {
        var locations = self
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter {
            $0.hasSuffix(".json")
        }
        for file in files.sorted() {
            guard let data = FileManager.default.contents(atPath: "\(directory)/\(file)"),
                let registration = try? JSONDecoder().decode(EngineRegistration.self, from: data)
            else { continue }
            if let root = registration.dockerDataRoot, !locations.dockerDataRoots.contains(root) {
                locations.dockerDataRoots.append(root)
            }
            if let storage = registration.podmanStorage {
                let defaults = PodmanEngine.Paths()
                let paths = PodmanEngine.Paths(
                    storage: storage,
                    run: registration.podmanRun ?? defaults.run,
                    networks: registration.podmanNetworks ?? defaults.networks
                )
                if !locations.podman.contains(paths) { locations.podman.append(paths) }
            }
            if let directory = registration.lxdDirectory {
                let installation = LXDEngine.installation(lxdDirectory: directory)
                if !locations.lxd.contains(installation) { locations.lxd.append(installation) }
            }
        }
        return locations
    }
}
