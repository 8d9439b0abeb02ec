import Foundation

/// The containers and namespaces on this host: LXC containers (defined and running), the containers of Docker,
/// Podman, LXD and Proxmox (see `EngineLocations`), and named namespaces.
package struct ContainerInventory: Sendable {
    package var containers: [LXCContainer]
    /// Other engines' containers, running or not, sorted by endpoint name (`docker:web`).
    package var engineContainers: [EngineContainer]
    /// Names under /run/netns, sorted.
    package var namedNamespaces: [String]

    package init(containers: [LXCContainer], engineContainers: [EngineContainer] = [], namedNamespaces: [String]) {
        self.containers = containers
        self.engineContainers = engineContainers
        self.namedNamespaces = namedNamespaces
    }

    /// The lxcpath LXC uses when none is configured.
    package static let defaultLXCPath = "/var/lib/lxc"

    /// Looks at the host: configs under `lxcpath`, running containers in the process table, the engines' state
    /// at `engines`, and /run/netns.
    package static func scan(
        lxcpath: String = defaultLXCPath,
        netnsDirectory: String = "/run/netns",
        engines: EngineLocations = .standard
    ) -> Self {
        var containers = definedContainers(lxcpath: lxcpath)
        let runningContainers = RunningContainerFinder.find(in: ProcessTable.scan())
        let (engineContainers, lxd) = engines.scan(running: runningContainers)
        for running in runningContainers where !lxd.contains(running) {
            if let index = containers.firstIndex(where: { $0.name == running.name }) {
                containers[index].initPid = running.initPid
            } else {
                // Running from another lxcpath: read its config there when the monitor said where.
                var container =
                    running.lxcpath.flatMap { definedContainer(named: running.name, lxcpath: $0) }
                    ?? LXCContainer(name: running.name)
                container.initPid = running.initPid
                containers.append(container)
            }
        }
        let namespaces = (try? FileManager.default.contentsOfDirectory(atPath: netnsDirectory)) ?? []
        return ContainerInventory(
            containers: containers.sorted { $0.name < $1.name },
            engineContainers: engineContainers.sorted { $0.endpointName < $1.endpointName },
            namedNamespaces: namespaces.sorted()
        )
    }

    package func container(named name: String) -> LXCContainer? { containers.first { $0.name == name } }

    /// The engine container an endpoint name such as `docker:web` names; a Docker or Podman id (or its first
    /// 12 digits) works too, as with `docker exec`.
    package func engineContainers(of engine: ContainerEngine, named name: String) -> [EngineContainer] {
        let ofEngine = engineContainers.filter { $0.engine == engine }
        let byName = ofEngine.filter { $0.name == name }
        if !byName.isEmpty { return byName }
        guard name.count >= 12, name.allSatisfy(\.isHexDigit) else { return [] }
        return ofEngine.filter { $0.id.hasPrefix(name) }
    }

    package var runningEngineContainers: [EngineContainer] { engineContainers.filter(\.isRunning) }

    package var runningContainers: [LXCContainer] { containers.filter(\.isRunning) }

    /// Every container with a config under `lxcpath`.
    package static func definedContainers(lxcpath: String) -> [LXCContainer] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: lxcpath)) ?? []
        return names.sorted().compactMap { definedContainer(named: $0, lxcpath: lxcpath) }
    }

    /// The container `name` under `lxcpath` with its config parsed, or nil when it has no config file.
    package static func definedContainer(named name: String, lxcpath: String) -> LXCContainer? {
        let path = "\(lxcpath)/\(name)/config"
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let config = LXCConfig.parse(String(decoding: data, as: UTF8.self), file: path, load: loadInclude)
        return LXCContainer(name: name, lxcpath: lxcpath, config: config)
    }

    @Sendable private static func loadInclude(_ path: String) -> IncludedConfig? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return nil }
        if isDirectory.boolValue {
            return (try? FileManager.default.contentsOfDirectory(atPath: path)).map { .directory($0) }
        }
        return FileManager.default.contents(atPath: path).map { .file(String(decoding: $0, as: UTF8.self)) }
    }
}
