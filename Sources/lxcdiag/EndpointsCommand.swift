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
                them), the containers of Docker, Podman, LXD and Proxmox as docker:NAME, podman:NAME, lxd:NAME \
                and pve:VMID (read from each engine's own state, with the networks it records), and the named \
                namespaces under /run/netns. Each resolves to the namespace, interface, \
                address and MAC a probe would use. For running containers, every interface the LXC config \
                declares is compared with the kernel's: absent, other MAC, MTU, bridge, macvlan mode, or a \
                missing declared address is shown under the container.

                Examples:
                  lxcdiag endpoints
                  lxcdiag endpoints -n lab-host --endpoints ./endpoints.json
                """
        )

        @OptionGroup var endpoints: EndpointOptions

        func run() throws {
            try reportingErrors {
                try requireRoot("lxcdiag endpoints")
                let resolver = try endpoints.resolver()
                let topology = try HostTopology.capture(resolver.topologyTargets())
                let snapshots = CapturedSnapshots(topology: topology)
                let names = resolver.knownNames.map { $0.hasSuffix(" (stopped)") ? String($0.dropLast(10)) : $0 }
                var rows: [[String]] = []
                var details: [String: [String]] = [:]
                for name in names {
                    rows.append(row(name, resolver: resolver, snapshots: snapshots))
                    if let engine = resolver.inventory.engineContainers.first(where: { $0.endpointName == name }) {
                        details[name] = engine.networks.map(Self.describe)
                    }
                    if let container = resolver.inventory.container(named: name), let pid = container.initPid,
                        resolver.registry.endpoint(named: name) == nil
                    {
                        // The capture may know the namespace under a registered name (ct1), so match by inode.
                        let inode = try? NetworkNamespace.pid(pid).identity().inode
                        let node = topology.namespaces.first { $0.node.namespaceInode == inode }?.node.name ?? name
                        details[name] = container.checkDeclaredNetworks(in: topology, node: node).map { check in
                            let declared = check.declaration
                            let label =
                                "lxc.net.\(declared.index) \(declared.type ?? "?") \(declared.name ?? "eth\(declared.index)")"
                            return check.problems.isEmpty
                                ? "\(label): as declared" : "\(label): " + check.problems.joined(separator: "; ")
                        }
                    }
                }
                let widths = (0..<5).map { column in rows.map { $0[column].count }.max() ?? 0 }
                for (name, columns) in zip(names, rows) {
                    let padded = columns.enumerated().map { index, text in
                        text + String(repeating: " ", count: widths[index] - text.count)
                    }
                    print(padded.joined(separator: "  ").trimmingCharacters(in: .whitespaces))
                    for line in details[name] ?? [] { print("    \(line)") }
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

        /// name, what it is, its namespace, interface, and address/MAC (or why it does not resolve).
        private func row(_ name: String, resolver: EndpointResolver, snapshots: CapturedSnapshots) -> [String] {
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
            do {
                let resolved = try resolver.resolve(name, snapshots: snapshots)
                let address = [resolved.ip.map { "\($0)" }, resolved.mac.map { "\($0)" }].compactMap { $0 }
                return [name, kind, "\(resolved.namespace)", resolved.interface, address.joined(separator: " ")]
            } catch let error as EndpointError where error.kind == .notRunning {
                return [name, kind, "-", "-", "(stopped)"]
            } catch {
                return [name, kind, "-", "-", "(\(error))"]
            }
        }
    }
}
