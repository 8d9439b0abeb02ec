import Foundation
package import LinuxNet
internal import NetworkModel
package import PacketCodec

/// What exists of a lab, checked against the running system; `lab status` prints it (and `--json` encodes it).
package struct LabStatus: Codable, Sendable, Equatable {
    /// Whether the lab is usable.
    package enum Condition: String, Codable, Sendable {
        /// Every namespace, container, interface and address is in place.
        case up
        /// The lab is recorded but something is missing or wrong (see `problems`).
        case partial
        /// There is no lab of that name.
        case absent
    }

    /// A namespace the lab uses and whether it exists.
    package struct NamespaceEntry: Codable, Sendable, Equatable {
        package var name: String
        package var role: String
        package var exists: Bool
    }

    /// An endpoint of the lab (`ext`, `host`, `ct1`...) and its interface as found.
    package struct Node: Codable, Sendable, Equatable {
        package var name: String
        /// `netns`, `lxc`, `docker` or `podman`.
        package var kind: String
        package var netns: String?
        package var container: String?
        /// For LXC and Docker containers: whether it runs, and its init pid.
        package var running: Bool?
        package var pid: Int32?
        package var attachment: String
        package var interface: String
        package var expectedAddress: String
        /// The IPv4 addresses found on the interface.
        package var addresses: [String]
        package var interfaceUp: Bool
        package var mac: String?
        /// What is wrong with this node; empty when it is fine.
        package var problems: [String]
    }

    package var name: String
    package var condition: Condition
    package var backend: LabBackend?
    package var macvlanMode: MacvlanMode?
    /// How the lab carries VLANs 211 and 103 (absent for the untagged lab).
    package var vlan: LabVLANStyle?
    /// The lab's subnet (`198.51.100.0/24`), when a record of the lab exists.
    package var subnet: String?
    package var stateFile: String
    package var endpointsFile: String?
    package var namespaces: [NamespaceEntry]
    package var nodes: [Node]
    /// What is wrong with the lab as a whole (and every node's problems, prefixed with its name).
    package var problems: [String]

    /// True when `condition` is `up`.
    package var isComplete: Bool { condition == .up }

    static func gather(_ configuration: LabConfiguration) throws -> LabStatus {
        let existing = try IPTool.namespaces()
        guard let state = try LabState.load(from: configuration.statePath) else {
            let names =
                [configuration.externalNamespace, configuration.hostNamespace]
                + ["ct1", "ct2", "ct3", "ct4"].map(configuration.containerNamespace)
            let strays = names.filter(existing.contains)
            let defined = (try? LXCTool.definedContainers()) ?? []
            let folder = (try? LXCTool.containerFolder()) ?? "/var/lib/lxc"
            let strayContainers = ["ct1", "ct2", "ct3", "ct4"].map(configuration.containerName).filter(defined.contains)
            let describe = { (container: String) -> String in
                LXCTool.madeByLab(container, folder: folder) == configuration.name
                    ? "LXC container \(container) is left from an earlier `up` whose record is gone; "
                        + "`lxcdiag lab down` removes it"
                    : "LXC container \(container) exists but this lab did not make it"
            }
            return LabStatus(
                name: configuration.name,
                condition: .absent,
                stateFile: configuration.statePath,
                namespaces: strays.map { NamespaceEntry(name: $0, role: "not made by this lab", exists: true) },
                nodes: [],
                problems: strays.map { "namespace \($0) exists but this lab did not make it" }
                    + strayContainers.map(describe)
            )
        }
        let plan = state.plan(stateDirectory: configuration.stateDirectory)
        let recorded = plan.configuration
        var status = LabStatus(
            name: configuration.name,
            condition: .partial,
            backend: state.backend,
            macvlanMode: state.macvlanMode,
            vlan: state.vlan,
            subnet: plan.addressing.subnet.description,
            stateFile: configuration.statePath,
            endpointsFile: state.endpointsPath,
            namespaces: plan.namespaces.map { name in
                NamespaceEntry(name: name, role: Self.role(of: name, in: recorded), exists: existing.contains(name))
            },
            nodes: [],
            problems: []
        )
        let hostExists = existing.contains(recorded.hostNamespace)
        let hostInterfaces = hostExists ? (try? IPTool.interfaces(namespace: recorded.hostNamespace)) ?? [] : []
        status.problems += Self.hostProblems(hostInterfaces, hostExists: hostExists, plan: plan)
        let engine = state.backend.engine(recorded)
        let defined = state.backend == .lxc ? (try? LXCTool.definedContainers()) ?? [] : []

        for endpoint in plan.endpoints {
            var node = Node(
                name: endpoint.name,
                kind: endpoint.kind,
                netns: endpoint.netns,
                container: endpoint.container,
                attachment: Self.attachment(of: endpoint.name, plan: plan),
                interface: endpoint.interface ?? "eth0",
                expectedAddress: "\(endpoint.ip.map(String.init(describing:)) ?? "?")/\(plan.addressing.prefixLength)",
                addresses: [],
                interfaceUp: false,
                problems: []
            )
            var interfaces: [InterfaceSnapshot]?
            if let netns = endpoint.netns {
                if existing.contains(netns) {
                    interfaces = try? IPTool.interfaces(namespace: netns)
                } else {
                    node.problems.append("namespace \(netns) is missing")
                }
            } else if let container = endpoint.container, let engine {
                if let pid = engine.runningPID(container) {
                    node.running = true
                    node.pid = pid
                    interfaces = try? IPTool.interfaces(pid: pid)
                } else {
                    node.running = false
                    node.problems.append("\(state.backend.rawValue) container \(container) is not running")
                }
            } else if let container = endpoint.container {
                if !defined.contains(container) {
                    node.running = false
                    node.problems.append("LXC container \(container) does not exist")
                } else if let pid = LXCTool.runningPID(container, in: state.starterNetns) {
                    node.running = true
                    node.pid = pid
                    interfaces = try? IPTool.interfaces(pid: pid)
                } else {
                    node.running = false
                    node.problems.append("LXC container \(container) is not running")
                }
            }
            if let interfaces {
                if let interface = interfaces.first(where: { $0.name == node.interface }) {
                    node.addresses = interface.addresses
                    node.interfaceUp = interface.isUp
                    node.mac = interface.mac?.description
                    if !interface.isUp { node.problems.append("\(node.interface) is down") }
                    if !interface.addresses.contains(node.expectedAddress) {
                        node.problems.append("\(node.interface) lacks \(node.expectedAddress)")
                    }
                } else {
                    node.problems.append("\(node.interface) is missing")
                }
            }
            status.problems += node.problems.map { "\(endpoint.name): \($0)" }
            status.nodes.append(node)
        }
        status.condition = state.complete && status.problems.isEmpty ? .up : .partial
        if !state.complete { status.problems.append("the last `up` did not finish") }
        return status
    }

    /// br0, em1 and the veth host ends, checked inside the host namespace.
    private static func hostProblems(_ interfaces: [InterfaceSnapshot], hostExists: Bool, plan: LabPlan) -> [String] {
        guard hostExists else { return [] }
        let byName = Dictionary(interfaces.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var problems: [String] = []
        if byName["br0"]?.isUp != true { problems.append("host: br0 is missing or down") }
        let uplinks = plan.configuration.vlan == .subinterfaces ? LabVLANStyle.vids.map { "em1.\($0)" } : ["em1"]
        for uplink in uplinks where byName[uplink]?.master != "br0" {
            problems.append("host: \(uplink) is not a port of br0")
        }
        let ports = plan.members.compactMap { member -> String? in
            if case .veth(let hostEnd) = member.attachment { return hostEnd }
            return nil
        }
        for port in ports where byName[port]?.master != "br0" || byName[port]?.isUp != true {
            problems.append("host: \(port) is missing, down or not a port of br0")
        }
        return problems
    }

    private static func role(of namespace: String, in lab: LabConfiguration) -> String {
        if namespace == lab.externalNamespace { return "outside world: switch sw0, client eth0" }
        if namespace == lab.hostNamespace { return "container host: br0, em1, em2" }
        if namespace == lab.externalVLAN103Namespace { return "outside world: client eth0 on VLAN 103" }
        return "container \(namespace.dropFirst(lab.name.count + 1))"
    }

    private static func attachment(of endpoint: String, plan: LabPlan) -> String {
        if endpoint == "ext" { return "eth0 -- sw-cli on switch sw0" }
        if endpoint == "host" { return "em2 -- sw-em2 on switch sw0 (em1 is br0's uplink)" }
        if endpoint == "ext103" { return "eth0 -- sw-cli103 on switch sw0 (VLAN 103)" }
        return plan.members.first { $0.name == endpoint }?.attachment.summary ?? "?"
    }
}

extension LabStatus {
    /// The namespace a lab endpoint's interface lives in right now: its named netns, or for an LXC container
    /// the namespace of its init (nil when the endpoint is unknown or its container is not running).
    package func namespace(of endpoint: String) -> NetworkNamespace? {
        guard let node = nodes.first(where: { $0.name == endpoint }) else { return nil }
        if let netns = node.netns { return .named(netns) }
        return node.pid.map { .pid($0) }
    }

    /// The IPv4 address a lab endpoint is meant to have (from the lab's subnet).
    package func address(of endpoint: String) -> IPv4Address? {
        nodes.first { $0.name == endpoint }.flatMap { IPv4Address(String($0.expectedAddress.prefix { $0 != "/" })) }
    }

    /// The MAC address of a lab endpoint's interface, as `status` found it.
    package func mac(of endpoint: String) -> MACAddress? {
        nodes.first { $0.name == endpoint }?.mac.flatMap(MACAddress.init)
    }
}
