import ArgumentParser
import Containers
import Foundation
import LinuxNet
import NetworkModel

/// The options every command that takes `--from`/`--to` endpoints shares: which namespace is `host`, and which
/// endpoint file names `ext` and friends.
struct EndpointOptions: ParsableArguments {
    @Option(
        name: [.customShort("n"), .customLong("netns")],
        help: ArgumentHelp(
            "Treat the named namespace under /run/netns as the host (as `ip -n`).",
            valueName: "NAME"
        ),
        completion: Completions.namespaces
    )
    var netns: String?

    @Option(
        name: .customLong("endpoints"),
        help: ArgumentHelp(
            "The endpoint file naming ext and other endpoints (default $\(EndpointRegistry.environmentVariable), "
                + "else \(EndpointRegistry.defaultPath)).",
            valueName: "FILE"
        )
    )
    var endpointsFile: String?

    func validate() throws {
        if let netns, netns.isEmpty || netns.contains("/") {
            throw ValidationError("--netns takes a name under /run/netns, not '\(netns)'")
        }
    }

    /// The namespace `host` stands for.
    var hostNamespace: NetworkNamespace { netns.map { .named($0) } ?? .current }

    /// A resolver over the endpoint file, the LXC containers and the named namespaces of this host.
    func resolver() throws -> EndpointResolver {
        let inventory = ContainerInventory.scan(engines: EngineLocations.standard.adding())
        if let netns, !inventory.namedNamespaces.contains(netns) {
            throw EndpointError(
                endpoint: "host",
                kind: .noSuchNamespace(netns, known: inventory.namedNamespaces)
            )
        }
        let registry = try EndpointRegistry.load(from: EndpointRegistry.path(explicit: endpointsFile))
        return EndpointResolver(hostNamespace: hostNamespace, registry: registry, inventory: inventory)
    }

    /// Resolves endpoint names for a command (`trace --from A --to B`): namespace, interface, address and MAC,
    /// read through rtnetlink. Errors are `EndpointError`s, which `describe` maps to exit 2 or 3.
    func resolve(_ names: [String]) throws -> [ResolvedEndpoint] {
        let resolver = try resolver()
        let snapshots = RtnetlinkSnapshots()
        return try names.map { try resolver.resolve($0, snapshots: snapshots) }
    }
}
