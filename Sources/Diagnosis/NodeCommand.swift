internal import Topology

/// Fix commands spelled for the namespace they must run in.
enum NodeCommand {
    /// `ip`/`bridge`/`nft`-style tools: `TOOL -n NS ARGS` for a named namespace, through `lxc-attach` for a
    /// container, `nsenter` for a process's namespace, plain on the host.
    static func tool(_ tool: String, _ node: NetworkNode?, _ arguments: String) -> String {
        guard let node else { return "\(tool) \(arguments)" }
        switch node.kind {
        case .host where registeredNetns(node) == nil: return "\(tool) \(arguments)"
        case .host where tool == "ip" || tool == "bridge": return "\(tool) -n \(netnsName(node)) \(arguments)"
        case .netns where tool == "ip" || tool == "bridge": return "\(tool) -n \(netnsName(node)) \(arguments)"
        default: return "\(run(node)) \(tool) \(arguments)"
        }
    }

    /// The prefix that runs a program inside `node`'s network namespace (empty on the host).
    static func run(_ node: NetworkNode?) -> String {
        guard let node else { return "" }
        switch node.kind {
        case .host: return registeredNetns(node).map { "ip netns exec \($0)" } ?? ""
        case .netns: return "ip netns exec \(netnsName(node))"
        // A running container's namespace is its init's: nsenter works from anywhere, while lxc-attach works only
        // from the namespace that started the container (LXC's command socket is abstract and lives there).
        case .lxc where node.namespacePath?.hasPrefix("/proc/") == true:
            return "nsenter --net=\(node.namespacePath ?? "")"
        // A duplicate short name is qualified (`ct1@lxc`, see EndpointResolver.searchTargets); LXC knows `ct1`.
        case .lxc: return "lxc-attach -n \(node.name.split(separator: "@").first.map(String.init) ?? node.name) --"
        // Engines' own exec commands need tools in the image (busybox may lack `ip`); nsenter uses the host's.
        case .process, .container: return "nsenter --net=\(node.namespacePath ?? node.name)"
        }
    }

    /// The name `ip netns` knows the node's namespace by: a node registered as `ext` lives in /run/netns/lxcdiag-ext.
    static func netnsName(_ node: NetworkNode) -> String { registeredNetns(node) ?? node.name }

    /// The /run/netns name of the node's namespace, if it has one: the lab's `host` is netns lxcdiag-host,
    /// while the namespace lxcdiag itself runs in has none and takes commands plainly.
    static func registeredNetns(_ node: NetworkNode) -> String? {
        let prefix = "/run/netns/"
        guard let path = node.namespacePath, path.hasPrefix(prefix) else { return nil }
        return String(path.dropFirst(prefix.count))
    }

    /// A command line run inside `node`, such as `sysctl -w ...`.
    static func inside(_ node: NetworkNode?, _ command: String) -> String {
        let prefix = run(node)
        return prefix.isEmpty ? command : "\(prefix) \(command)"
    }

    /// `bridge fdb del MAC dev PORT master [vlan N]` for `entry`, run in `node`.
    static func deleteFDBEntry(_ entry: FDBEntry, _ node: NetworkNode?) -> String {
        tool(
            "bridge",
            node,
            "fdb del \(entry.mac) dev \(entry.port.name) master" + (entry.vlan.map { " vlan \($0)" } ?? "")
        )
    }
}
