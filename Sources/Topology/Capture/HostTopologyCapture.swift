internal import Foundation
internal import LinuxNet
internal import Netlink

extension HostTopology {
    /// Captures every target concurrently and resolves veth peers and macvlan/vlan parents across them.
    ///
    /// The first target is the host; if it cannot be captured the error is thrown. Any other namespace that
    /// fails (gone meanwhile, permission denied) is left out and named in `problems`. Two targets that are one
    /// namespace (a netns name and a container's pid) are captured once, under the first name; the others
    /// become the node's `aliases`.
    package static func capture(_ requested: [TopologyTarget], workers: Int = 4) throws -> HostTopology {
        guard !requested.isEmpty else { return HostTopology(namespaces: []) }
        // One namespace under several names is captured once; a namespace whose file cannot be read now is
        // kept, so that its capture reports why.
        var targets: [TopologyTarget] = []
        var aliases: [[String]] = []
        var positionByIdentity: [NamespaceIdentity: Int] = [:]
        for target in requested {
            if let identity = try? target.namespace.identity() {
                if let first = positionByIdentity[identity] {
                    aliases[first].append(target.name)
                    continue
                }
                positionByIdentity[identity] = targets.count
            }
            targets.append(target)
            aliases.append([])
        }
        // Node names are ids (JSON `node` fields, DOT clusters, path hops): two namespaces asked for under one
        // short name are told apart by qualifying the later one with where it is (`ct1@lab-b-ct1`).
        var used: Set<String> = []
        for index in targets.indices {
            if used.contains(targets[index].name) { targets[index].name = qualified(targets[index], avoiding: used) }
            used.insert(targets[index].name)
        }
        let unique = targets
        // A few threads, each switching from namespace to namespace: a host with a thousand containers costs a
        // setns and one netlink socket per namespace, not a thread each.
        let results = mapInNetworkNamespaces(unique.map(\.namespace), name: "topology capture", maxThreads: workers) {
            position in
            try NamespaceSnapshot.captureCurrent(unique[position], others: unique)
        }

        var namespaces: [NamespaceSnapshot] = []
        var chosenTargets: [TopologyTarget] = []
        var problems: [String] = []
        var seen: [UInt64: String] = [:]
        for (position, target) in targets.enumerated() {
            switch results[position] {
            case .failure(let error):
                if position == 0 { throw error }
                problems.append("\(target.name): \(error)")
            case .success(var snapshot):
                // A namespace can only turn out to be one already captured if its file changed meanwhile.
                if let inode = snapshot.node.namespaceInode, let first = seen[inode] {
                    problems.append("\(target.name) turned out to be the same namespace as \(first)")
                    continue
                }
                if let inode = snapshot.node.namespaceInode { seen[inode] = target.name }
                if !aliases[position].isEmpty { snapshot.node.aliases = aliases[position] }
                namespaces.append(snapshot)
                chosenTargets.append(target)
            }
        }
        var topology = HostTopology(namespaces: namespaces, problems: problems)
        topology.resolveCrossNamespaceLinks { from, candidates in
            try? askNamespaceIDs(in: chosenTargets[from], of: candidates.map { chosenTargets[$0] })
        }
        return topology
    }

    /// `NAME@NETNS` for a named namespace, `NAME@pid:PID` for a process's, with `#2`... when even that is taken.
    static func qualified(_ target: TopologyTarget, avoiding used: Set<String>) -> String {
        let base: String
        switch target.namespace {
        case .named(let netns): base = "\(target.name)@\(netns)"
        case .pid(let pid): base = "\(target.name)@pid:\(pid)"
        default: base = "\(target.name)@\(target.namespace.filePath ?? "current")"
        }
        if !used.contains(base) { return base }
        return (2...).lazy.map { "\(base)#\($0)" }.first { !used.contains($0) } ?? base
    }

    /// Captures as `capture(_:workers:)` does, suspending instead of blocking the caller's thread.
    package static func capture(_ targets: [TopologyTarget], workers: Int = 4) async throws -> HostTopology {
        try await DedicatedThread.run(name: "topology capture") { try capture(targets, workers: workers) }
    }

    /// Asks `namespace`'s kernel which id it gives each of `others` (RTM_GETNSID), in the order given.
    private static func askNamespaceIDs(in target: TopologyTarget, of others: [TopologyTarget]) throws -> [Int32?] {
        let files = others.map(\.namespaceFile)
        return try withNetworkNamespace(target.namespace) {
            let socket = try NetlinkSocket()
            return files.map { try? socket.namespaceID(ofNamespaceFile: $0) ?? nil }
        }
    }
}
