import ArgumentParser
import Containers
import Foundation
import LinuxNet
import NetworkModel
import PacketCodec
import Topology

extension LXCDiag {
    /// `lxcdiag endpoints`: every name --from/--to accept here, with its namespace, interface and address.
    struct Endpoints: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "List the endpoints --from and --to accept on this host, and check containers' declared networks.",
            discussion: """
                Lists host, the names in the endpoint file, every LXC container (running ones are found from the \
                process table, even when started from another network namespace, where lxc-info cannot see \
                them), and the named namespaces under /run/netns. Each resolves to the namespace, interface, \
                address and MAC a probe would use. For running containers, every interface the LXC config \
                declares is compared with the kernel's: absent, other MAC, MTU, bridge, macvlan mode, or a \
                missing declared address is shown under the container.

                Examples:
                  lxcdiag endpoints
                  lxcdiag endpoints -n lab-host --endpoints ./endpoints.json
                  lxcdiag endpoints --json | jq -r '.endpoints[].name'     schema lxcdiag.endpoint-list/1
                """
        )

        @OptionGroup var endpoints: EndpointOptions

        @Flag(help: "Print the lxcdiag.endpoint-list/1 JSON document (see docs/endpoints.md).")
        var json = false

        func run() throws {
            try reportingErrors {
                try requireRoot("lxcdiag endpoints")
                let resolver = try endpoints.resolver()
                let topology = try HostTopology.capture(resolver.topologyTargets())
                let snapshots = CapturedSnapshots(topology: topology)
                let names = resolver.knownNames.map { $0.hasSuffix(" (stopped)") ? String($0.dropLast(10)) : $0 }
                var list: [EndpointEntry] = []
                for name in names {
                    var entry = entry(name, resolver: resolver, snapshots: snapshots)
                    if let engine = resolver.inventory.engineContainers.first(where: { $0.endpointName == name }) {
                        entry.engineNetworks = engine.networks.map(Self.describe)
                    }
                    if let container = resolver.inventory.container(named: name), let pid = container.initPid,
                        resolver.registry.endpoint(named: name) == nil
                    {
                        // The capture may know the namespace under a registered name (ct1), so match by inode.
                        let inode = try? NetworkNamespace.pid(pid).identity().inode
                        let node = topology.namespaces.first { $0.node.namespaceInode == inode }?.node.name ?? name
                        entry.declaredNetworks = container.checkDeclaredNetworks(in: topology, node: node).map {
                            let declared = $0.declaration
                            return EndpointEntry.DeclaredNetwork(
                                index: declared.index,
                                type: declared.type,
                                name: declared.name ?? "eth\(declared.index)",
                                problems: $0.problems
                            )
                        }
                    }
                    list.append(entry)
                }
                if json {
                    try printJSON(
                        EndpointList(endpoints: list, notes: topology.problems),
                        schema: "lxcdiag.endpoint-list/1"
                    )
                    return
                }
                let rows = list.map(\.columns)
                let widths = (0..<5).map { column in rows.map { $0[column].count }.max() ?? 0 }
                for (entry, columns) in zip(list, rows) {
                    let padded = columns.enumerated().map { index, text in
                        text + String(repeating: " ", count: widths[index] - text.count)
                    }
                    print(padded.joined(separator: "  ").trimmingCharacters(in: .whitespaces))
                    for network in entry.engineNetworks ?? [] { print("    \(network)") }
                    for declared in entry.declaredNetworks ?? [] { print("    \(declared.line)") }
                }
                for problem in topology.problems { print("note: \(problem)") }
            }
        }

        /// One network of an engine's container as its engine records it: `network lxe-mv macvlan on br0 eth1
        /// 10.234.2.10/24 02:42:0a:ea:02:0a`.
        static func describe(_ network: EngineNetwork) -> String {
            var words = ["network \(network.name)", network.driver ?? "(driver unknown)"]
            if let parent = network.hostInterface { words.append("on \(parent)") }
            if let interface = network.interface { words.append(interface) }
            if let ipv4 = network.ipv4 { words.append("\(ipv4.address)/\(ipv4.prefixLength)") }
            if let mac = network.mac { words.append(mac.description) }
            return words.joined(separator: " ")
        }

        /// What `name` is and where it resolves to (or why it does not).
        private func entry(_ name: String, resolver: EndpointResolver, snapshots: CapturedSnapshots) -> EndpointEntry {
            let kind: String
            if name == "host" {
                kind = "host"
            } else if let registered = resolver.registry.endpoint(named: name) {
                kind = "file:\(registered.kind)"
            } else if name.hasPrefix("netns:") {
                kind = "netns"
            } else if let engine = name.split(separator: ":").first.flatMap({ ContainerEngine(prefix: String($0)) }) {
                kind = engine.rawValue
            } else {
                kind = "lxc"
            }
            var entry = EndpointEntry(name: name, kind: kind, state: "resolved")
            do {
                let resolved = try resolver.resolve(name, snapshots: snapshots)
                entry.namespace = "\(resolved.namespace)"
                entry.interface = resolved.interface
                entry.ip = resolved.ip.map { "\($0)" }
                entry.mac = resolved.mac.map { "\($0)" }
            } catch let error as EndpointError where error.kind == .notRunning {
                entry.state = "stopped"
            } catch {
                entry.state = "unresolved"
                entry.error = "\(error)"
            }
            return entry
        }
    }
}

/// `lxcdiag endpoints --json`.
struct EndpointList: Encodable {
    var endpoints: [EndpointEntry]
    /// Namespaces that could not be read, and why.
    var notes: [String]
}

/// One row of `lxcdiag endpoints`, and one entry of `lxcdiag.endpoint-list/1`.
struct EndpointEntry: Encodable {
    /// An `lxc.net.N` of a running container compared with the kernel's interface.
    struct DeclaredNetwork: Encodable {
        var index: Int
        var type: String?
        var name: String
        /// Empty when the interface is as declared.
        var problems: [String]

        var line: String {
            let label = "lxc.net.\(index) \(type ?? "?") \(name)"
            return problems.isEmpty ? "\(label): as declared" : "\(label): " + problems.joined(separator: "; ")
        }
    }

    var name: String
    /// `host`, `file:KIND` (the endpoint file), `netns`, `lxc`, `docker`, `podman`.
    var kind: String
    /// `resolved`, `stopped` (a container not running) or `unresolved` (see `error`).
    var state: String
    var namespace: String?
    var interface: String?
    var ip: String?
    var mac: String?
    var error: String?
    /// For running LXC containers not in the endpoint file; null otherwise.
    var declaredNetworks: [DeclaredNetwork]?
    /// For Docker and Podman containers: each network as the engine records it; null otherwise.
    var engineNetworks: [String]?

    /// name, kind, namespace, interface, and address/MAC (or why it does not resolve).
    var columns: [String] {
        switch state {
        case "stopped": return [name, kind, "-", "-", "(stopped)"]
        case "unresolved": return [name, kind, "-", "-", "(\(error ?? "?"))"]
        default:
            let address = [ip, mac].compactMap { $0 }.joined(separator: " ")
            return [name, kind, namespace ?? "-", interface ?? "-", address]
        }
    }
}
