import Foundation
import LinuxNet
import Netlink

extension HostTopology {
    /// Captures every target concurrently and resolves veth peers and macvlan/vlan parents across them.
    ///
    /// The first target is the host; if it cannot be captured the error is thrown. Any other namespace that
    /// fails (gone meanwhile, permission denied) is left out and named in `problems`. Two targets that are one
    /// namespace (a netns name and a container's pid) are captured once, under the first name.
    public static func capture(_ targets: [TopologyTarget], workers: Int = 4) throws -> HostTopology {
        guard !targets.isEmpty else { return HostTopology(namespaces: []) }
        let results = ResultSlots<NamespaceSnapshot>(count: targets.count)
        let next = ResultSlots<Int>(count: 1)
        next.set(0, .success(0))
        let finished = DispatchGroup()
        for worker in 0..<min(max(workers, 1), targets.count) {
            finished.enter()
            DedicatedThread.start(name: "topology capture \(worker)") {
                while let position = next.takeNextIndex(limit: targets.count) {
                    results.set(position, Result { try NamespaceSnapshot.capture(targets[position]) })
                }
                finished.leave()
            }
        }
        finished.wait()

        var namespaces: [NamespaceSnapshot] = []
        var chosenTargets: [TopologyTarget] = []
        var problems: [String] = []
        var seen: [UInt64: String] = [:]
        for (position, target) in targets.enumerated() {
            switch results.get(position)! {
            case .failure(let error):
                if position == 0 { throw error }
                problems.append("\(target.name): \(error)")
            case .success(let snapshot):
                if let inode = snapshot.node.namespaceInode, let first = seen[inode] {
                    problems.append("\(target.name) is the same namespace as \(first); shown once as \(first)")
                    continue
                }
                if let inode = snapshot.node.namespaceInode { seen[inode] = target.name }
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

    /// Asks `namespace`'s kernel which id it gives each of `others` (RTM_GETNSID), in the order given.
    private static func askNamespaceIDs(in target: TopologyTarget, of others: [TopologyTarget]) throws -> [Int32?] {
        let files = others.map(\.namespaceFile)
        return try withNetworkNamespace(target.namespace) {
            let socket = try NetlinkSocket()
            return files.map { try? socket.namespaceID(ofNamespaceFile: $0) ?? nil }
        }
    }
}

/// Fixed slots that worker threads fill and the waiting thread reads after they finish.
/// Safe: every access goes through `lock`.
private final class ResultSlots<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<T, any Error>?]

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ position: Int, _ result: Result<T, any Error>) {
        lock.withLock { slots[position] = result }
    }

    func get(_ position: Int) -> Result<T, any Error>? { lock.withLock { slots[position] } }

    /// For a counter slot: returns the counter and increments it, or nil once it reaches `limit`.
    func takeNextIndex(limit: Int) -> Int? where T == Int {
        lock.withLock {
            guard case .success(let value) = slots[0], value < limit else { return nil }
            slots[0] = .success(value + 1)
            return value
        }
    }
}
