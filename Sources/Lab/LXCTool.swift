import Foundation
internal import LinuxNet

/// The LXC commands the lab uses. Containers are started inside a named netns so their host-side veths land
/// there; LXC's command socket is abstract and so lives in that netns too, which is why every command that
/// talks to a running container goes through `ip netns exec <starter>`.
enum LXCTool {
    /// Whether LXC can be used at all.
    static var isInstalled: Bool { ExternalCommand.locate("lxc-create") != nil }

    /// The containers LXC knows (defined, running or not).
    static func definedContainers() throws(CommandError) -> Set<String> {
        guard isInstalled else { return [] }
        let output = try ExternalCommand.check(["lxc-ls", "-1"])
        return Set(output.split(whereSeparator: \.isWhitespace).map(String.init))
    }

    /// The folder holding the containers (`lxc.lxcpath`, normally /var/lib/lxc).
    static func containerFolder() throws(CommandError) -> String {
        let path = try ExternalCommand.check(["lxc-config", "lxc.lxcpath"])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return path.isEmpty ? "/var/lib/lxc" : path
    }

    /// Creates a busybox container.
    static func create(_ name: String) throws(CommandError) {
        try ExternalCommand.check(["lxc-create", "-t", "busybox", "-n", name], timeoutSeconds: 120)
    }

    /// The file in a container's folder that says which lab made it. The lab's state file lives in /run and
    /// does not survive a reboot, but containers in /var/lib/lxc do; the marker lets `up` and `down` still
    /// recognise them as the lab's own.
    static func markerPath(_ name: String, folder: String) -> String { "\(folder)/\(name)/lxcdiag-lab" }

    /// The lab that made container `name`, if lxcdiag made it.
    static func madeByLab(_ name: String, folder: String) -> String? {
        (try? String(contentsOfFile: markerPath(name, folder: folder), encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Replaces the template's network with the lab's and keeps the busybox init from running udhcpc
    /// (which would flush the static address when it finds no DHCP server).
    static func configure(
        _ name: String,
        lab: String,
        member: LabMember,
        addressing: LabAddressing,
        folder: String
    ) throws(LabError) {
        let configPath = "\(folder)/\(name)/config"
        let rcPath = "\(folder)/\(name)/rootfs/etc/init.d/rcS"
        do {
            try (lab + "\n").write(toFile: markerPath(name, folder: folder), atomically: true, encoding: .utf8)
            let config = try String(contentsOfFile: configPath, encoding: .utf8)
            var lines = config.split(separator: "\n", omittingEmptySubsequences: false)
                .filter { !$0.hasPrefix("lxc.net.") }
                .map(String.init)
            lines.append("# lxcdiag lab network")
            lines += networkConfiguration(for: member, addressing: addressing)
            try (lines.joined(separator: "\n") + "\n").write(toFile: configPath, atomically: true, encoding: .utf8)
            let rc = try String(contentsOfFile: rcPath, encoding: .utf8)
            let kept = rc.split(separator: "\n", omittingEmptySubsequences: false)
                .filter { !$0.contains("udhcpc") }
                .joined(separator: "\n")
            try kept.write(toFile: rcPath, atomically: true, encoding: .utf8)
        } catch {
            throw LabError.stepFailed(step: "configuring LXC container \(name)", reason: "\(error)")
        }
    }

    /// The `lxc.net.0.*` lines for a lab member.
    static func networkConfiguration(for member: LabMember, addressing: LabAddressing) -> [String] {
        var lines: [String]
        switch member.attachment {
        case .veth(let hostEnd):
            lines = ["lxc.net.0.type = veth", "lxc.net.0.veth.pair = \(hostEnd)"]
        case .macvlan(let mode):
            lines = ["lxc.net.0.type = macvlan", "lxc.net.0.macvlan.mode = \(mode.rawValue)"]
        }
        // The broadcast address is given explicitly: without it LXC 5 sets brd 0.0.0.255.
        lines += [
            "lxc.net.0.link = br0",
            "lxc.net.0.name = eth0",
            "lxc.net.0.flags = up",
            "lxc.net.0.mtu = \(LabPlan.mtu)",
            "lxc.net.0.ipv4.address = \(addressing.cidr(member.address)) \(addressing.broadcast)",
        ]
        return lines
    }

    /// Starts a container inside `netns`, keeping LXC's log of the start next to its config.
    static func start(_ name: String, in netns: String, folder: String) throws(CommandError) {
        try ExternalCommand.check(
            [
                "ip", "netns", "exec", netns, "lxc-start", "-n", name, "-l", "INFO", "-o",
                startLog(name, folder: folder),
            ],
            timeoutSeconds: 60
        )
    }

    /// Where `start` keeps LXC's log.
    static func startLog(_ name: String, folder: String) -> String { "\(folder)/\(name)/lxcdiag-start.log" }

    /// The command prefix that reaches the container's command socket: `ip netns exec <starter>`, or, when
    /// that named netns was deleted while the container ran, `nsenter` into the netns of its LXC monitor
    /// (which still lives there). Nil when neither exists, so the container cannot be running.
    static func socketAccess(_ name: String, starter netns: String) -> [String]? {
        if FileManager.default.fileExists(atPath: "/run/netns/\(netns)") { return ["ip", "netns", "exec", netns] }
        guard let monitor = monitorPID(name) else { return nil }
        return ["nsenter", "--net=/proc/\(monitor)/ns/net"]
    }

    /// The pid of the `[lxc monitor] <lxcpath> <name>` process of a running container.
    static func monitorPID(_ name: String) -> Int32? {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for entry in entries {
            guard let pid = Int32(entry),
                let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline"),
                !data.isEmpty
            else { continue }
            let words = String(decoding: data, as: UTF8.self).split(whereSeparator: { $0 == "\0" || $0 == " " })
            if words.count >= 3, words[0] == "[lxc", words[1] == "monitor]", words.last.map(String.init) == name {
                return pid
            }
        }
        return nil
    }

    /// The container's state (`RUNNING`, `STOPPED`...) and init pid, asked through its command socket; nil
    /// when LXC cannot tell (not running, or not reachable).
    static func state(_ name: String, in netns: String) -> (state: String, pid: Int32?)? {
        guard let access = socketAccess(name, starter: netns),
            let output = try? ExternalCommand.run(access + ["lxc-info", "-n", name, "-s", "-p", "-H"]),
            output.status == 0
        else { return nil }
        return parseInfo(output.standardOutput)
    }

    /// Reads `State:` and `PID:` from `lxc-info -s -p` output.
    static func parseInfo(_ text: String) -> (state: String, pid: Int32?)? {
        var state: String?
        var pid: Int32?
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { continue }
            if parts[0] == "State" { state = parts[1] }
            if parts[0] == "PID" { pid = Int32(parts[1]) }
        }
        return state.map { ($0, pid) }
    }

    /// The container's init pid when it is running.
    static func runningPID(_ name: String, in netns: String) -> Int32? {
        guard let (state, pid) = state(name, in: netns), state == "RUNNING" else { return nil }
        return pid
    }

    /// Waits (up to `timeoutSeconds`, polling) until the container runs; returns its pid, or the last state seen.
    static func waitUntilRunning(
        _ name: String,
        in netns: String,
        timeoutSeconds: Double = 10
    ) -> Result<Int32, StateSeen> {
        let deadline = monotonicNanoseconds() + UInt64(timeoutSeconds * 1e9)
        var last = "unknown"
        while true {
            if let (state, pid) = state(name, in: netns) {
                if state == "RUNNING", let pid { return .success(pid) }
                last = state
            }
            if monotonicNanoseconds() >= deadline { return .failure(StateSeen(state: last)) }
            usleep(20_000)
        }
    }

    /// The state a container was last seen in while waiting for it to run.
    struct StateSeen: Error {
        var state: String
    }

    /// Kills a running container at once (it holds no data worth a clean shutdown); true when it is not
    /// running afterwards.
    @discardableResult
    static func stop(_ name: String, in netns: String) -> Bool {
        guard let access = socketAccess(name, starter: netns) else { return true }
        _ = try? ExternalCommand.run(access + ["lxc-stop", "-k", "-n", name], timeoutSeconds: 30)
        return runningPID(name, in: netns) == nil
    }

    /// Removes the folder of a container the lab recorded but LXC does not know (no config yet: its
    /// lxc-create was killed early), so that the next lxc-create of that name does not find it taken.
    static func removeUnfinished(_ name: String, folder: String) {
        let path = "\(folder)/\(name)"
        guard FileManager.default.fileExists(atPath: path), !FileManager.default.fileExists(atPath: "\(path)/config")
        else { return }
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Removes a stopped container and its rootfs.
    static func destroy(_ name: String) throws(CommandError) {
        try ExternalCommand.check(["lxc-destroy", "-n", name], timeoutSeconds: 60)
    }
}
