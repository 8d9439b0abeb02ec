/// Finds the init process of each running LXC container from the process table.
///
/// LXC's command socket is abstract and so bound to the network namespace that ran `lxc-start`; `lxc-info` from
/// another namespace says STOPPED. The process table sees every container, so lxcdiag looks there:
/// 1. the monitor: a process whose command line is `[lxc monitor] LXCPATH NAME`; its child that is pid 1 in its
///    own pid namespace is the container's init (this works without cgroups);
/// 2. the cgroup: a process in a cgroup path with a component `lxc.payload.NAME` (LXC 4+, v1 and v2) that is
///    pid 1 inside, or else the lowest pid there.
enum RunningContainerFinder {
    /// Container name to init pid, and the lxcpath its monitor names.
    struct Found: Sendable, Hashable {
        var name: String
        var initPid: Int32
        var lxcpath: String?
    }

    static func find(in processes: [ProcessRecord]) -> [Found] {
        // Keyed by lxcpath and name: LXD's `c1` and LXC's `c1` are two containers.
        var found: [String: Found] = [:]
        let children = Dictionary(grouping: processes, by: \.parentPid)
        for monitor in processes where monitor.commandLine.hasPrefix("[lxc monitor] ") {
            let words = monitor.commandLine.split(separator: " ").map(String.init)
            // "[lxc", "monitor]", LXCPATH, NAME
            guard words.count >= 4 else { continue }
            let name = words[3...].joined(separator: " ")
            let kids = children[monitor.pid] ?? []
            guard let initProcess = kids.first(where: { $0.innermostPid == 1 }) ?? kids.first else { continue }
            found["\(words[2])/\(name)"] = Found(name: name, initPid: initProcess.pid, lxcpath: words[2])
        }
        var byCgroup: [String: [ProcessRecord]] = [:]
        for process in processes {
            for path in process.cgroups {
                for component in path.split(separator: "/") where component.hasPrefix("lxc.payload.") {
                    byCgroup[String(component.dropFirst("lxc.payload.".count)), default: []].append(process)
                }
            }
        }
        let named = Set(found.values.map(\.name))
        for (name, members) in byCgroup where !named.contains(name) {
            let unique = Dictionary(grouping: members, by: \.pid).values.compactMap(\.first)
            guard let initProcess = unique.first(where: { $0.innermostPid == 1 }) ?? unique.min(by: { $0.pid < $1.pid })
            else { continue }
            found[name] = Found(name: name, initPid: initProcess.pid, lxcpath: nil)
        }
        return found.values.sorted { ($0.name, $0.lxcpath ?? "") < ($1.name, $1.lxcpath ?? "") }
    }
}
