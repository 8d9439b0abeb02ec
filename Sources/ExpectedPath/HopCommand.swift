internal import Topology

/// Fix commands spelled so they run as printed from the namespace lxcdiag runs in.
enum HopCommand {
    /// `TOOL -n NAME ARGS` for a namespace under /run/netns, `nsenter --net=FILE TOOL ARGS` for a process's (a
    /// container's init), plain for the namespace lxcdiag runs in. The namespace file, not the node name, decides:
    /// a node's name may be qualified (`ct1@lab-host`) or registered under another name.
    static func spell(_ tool: String, in namespace: NamespaceSnapshot, _ arguments: String) -> String {
        let prefix = "/run/netns/"
        guard let path = namespace.node.namespacePath else { return "\(tool) \(arguments)" }
        if path.hasPrefix(prefix), tool == "ip" || tool == "bridge" {
            return "\(tool) -n \(path.dropFirst(prefix.count)) \(arguments)"
        }
        if path.hasPrefix(prefix) { return "ip netns exec \(path.dropFirst(prefix.count)) \(tool) \(arguments)" }
        return "nsenter --net=\(path) \(tool) \(arguments)"
    }
}
