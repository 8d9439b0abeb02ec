import Foundation
import Glibc
import LinuxNet
import Topology

/// A small container host built from namespaces, made for one test and removed when it ends (also on failure).
///
/// `host` holds bridge br0 (192.0.2.1/24) with ports: uplink em1 (peer eth0 in `ext`), vct1 (peer eth0 in ct1,
/// forwarding), vct2 (peer in ct2, set to disabled with learning and all flooding off), vct5 (peer in ct5,
/// hairpin and isolated on, MTU 1400), pl0 (peer pl1 in host, in learning state) and vxlan vx0; macvlan children of br0: bridge mode moved into ct3,
/// private mode moved into ct4, vepa and source mode left in host; a passthru macvlan on veth pt0; a tap and a
/// tun; static, sticky and learned FDB entries; neighbours in several NUD states.
final class TopologyLab {
    let tag: String
    let host: String
    let ext: String
    /// ct1 ... ct5, by container number.
    let containers: [String]

    init() throws {
        Self.sweepLeftovers()
        // The creating process's pid in the name lets a later lab remove what a killed test run left behind.
        let tag = "p\(getpid())x" + String(UInt32.random(in: 0..<UInt32.max), radix: 36)
        self.tag = tag
        host = "lxcdiag-t\(tag)-host"
        ext = "lxcdiag-t\(tag)-ext"
        containers = (1...5).map { "lxcdiag-t\(tag)-ct\($0)" }
        do { try build() } catch {
            tearDown()
            throw error
        }
    }

    /// Removes labs whose creating process is gone (a test run killed before its `defer` ran).
    static func sweepLeftovers() {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/run/netns")) ?? []
        for name in names where name.hasPrefix("lxcdiag-tp") {
            let digits = name.dropFirst("lxcdiag-tp".count).prefix { $0.isNumber }
            guard let pid = Int32(digits), pid > 0, kill(pid, 0) != 0, errno == ESRCH else { continue }
            _ = try? ExternalCommand.run(["ip", "netns", "del", name])
        }
    }

    /// The targets `lxcdiag topo -n HOST` would capture for this lab, host first.
    var targets: [TopologyTarget] {
        [TopologyTarget(name: "host", kind: .host, namespace: .named(host))]
            + ([ext] + containers).map { TopologyTarget(name: nodeName($0), kind: .netns, namespace: .named($0)) }
    }

    /// The short node name fixtures use: `ext`, `ct1`, ...
    func nodeName(_ namespace: String) -> String {
        namespace == host ? "host" : String(namespace.dropFirst("lxcdiag-t\(tag)-".count))
    }

    /// Runs `lines` as one `ip -n NAMESPACE -batch -` (one process, not one per command).
    private func ip(_ namespace: String, _ lines: [String]) throws {
        try ExternalCommand.check(["ip", "-n", namespace, "-batch", "-"], input: lines.joined(separator: "\n") + "\n")
    }

    /// Runs `lines` as one `bridge -n NAMESPACE -batch -`.
    private func bridge(_ namespace: String, _ lines: [String]) throws {
        try ExternalCommand.check(
            ["bridge", "-n", namespace, "-batch", "-"],
            input: lines.joined(separator: "\n") + "\n"
        )
    }

    private func build() throws {
        try ExternalCommand.check(
            ["ip", "-batch", "-"],
            input: ([host, ext] + containers).map { "netns add \($0)\n" }.joined()
        )
        var hostLines = [
            "link add br0 type bridge stp_state 0 forward_delay 400",
            "addr add 192.0.2.1/24 dev br0",
            "link add em1 type veth peer name eth0 netns \(ext)",
        ]
        hostLines += [1, 2, 5].map { "link add vct\($0) type veth peer name eth0 netns \(containers[$0 - 1])" }
        hostLines.append("link set vct5 mtu 1400")
        hostLines += ["em1", "vct1", "vct2", "vct5"].map { "link set \($0) master br0" }
        hostLines += [
            "link add mvb link br0 type macvlan mode bridge",
            "link set mvb netns \(containers[2]) name eth0",
            "link add mvp link br0 type macvlan mode private",
            "link set mvp netns \(containers[3]) name eth0",
            "link add mvv link br0 type macvlan mode vepa",
            "link add mvs link br0 type macvlan mode source",
            "link add pt0 type veth peer name pt1",
            "link add mvt link pt0 type macvlan mode passthru",
            "link add vx0 type vxlan id 42 dstport 4789 local 192.0.2.1 remote 198.51.100.2",
            "link set vx0 master br0",
            "tuntap add tap0 mode tap",
            "tuntap add tun0 mode tun",
            "link add pl0 type veth peer name pl1",
            "link set pl0 master br0",
        ]
        hostLines += ["lo", "br0", "em1", "vct1", "vct2", "vct5", "vx0", "pl0", "pl1"].map { "link set \($0) up" }
        let states = ["permanent", "noarp", "stale", "reachable", "delay", "incomplete", "failed"]
        for (offset, state) in states.enumerated() {
            let number = 201 + offset
            let mac = state == "incomplete" || state == "failed" ? "" : " lladdr 02:00:00:00:01:\(number - 200)"
            hostLines.append("neigh add 192.0.2.\(number)\(mac) dev br0 nud \(state)")
        }
        try ip(host, hostLines)
        for (namespace, address) in [(ext, "192.0.2.100")]
            + containers.indices.map({ (containers[$0], "192.0.2.1\($0 + 1)") })
        {
            var lines = ["addr add \(address)/24 dev eth0", "link set lo up", "link set eth0 up"]
            if containers.prefix(3).contains(namespace) { lines.append("route add default via 192.0.2.1") }
            try ip(namespace, lines)
        }
        // The bridge moves a port to forwarding when linkwatch reports its carrier (asynchronously, together
        // with operstate UP); wait for that before disabling vct2, or the late carrier event would undo it.
        try waitForOperationalUp(host, ["em1", "vct1", "vct2", "vct5", "pl0"])
        try ip(
            host,
            [
                "link set vct2 type bridge_slave learning off flood off mcast_flood off bcast_flood off",
                "link set vct5 type bridge_slave hairpin on isolated on",
            ]
        )
        // Not `ip link set ... type bridge_slave state 0`: that RTM_NEWLINK also raises NETDEV_CHANGE, and the
        // bridge's carrier check puts a disabled port with carrier straight back to forwarding.
        try bridge(
            host,
            [
                "link set dev vct2 state 0",
                "link set dev pl0 state 2",
                "fdb add 02:00:00:00:00:aa dev vct1 master static",
                "fdb add 02:00:00:00:00:ab dev vct1 master static sticky",
                "fdb add 02:00:00:00:00:ac dev vct1 master dynamic",
                "fdb append 00:00:00:00:00:00 dev vx0 dst 198.51.100.2 self permanent",
            ]
        )
        // Tests compare warnings, so wait until linkwatch has brought every container interface's operstate up.
        for namespace in [ext] + containers { try waitForOperationalUp(namespace, ["eth0"]) }
        // Real traffic through the bridge: learned FDB entries and a REACHABLE neighbour in ct1 and ext.
        _ = try? ExternalCommand.run([
            "ip", "netns", "exec", containers[0], "busybox", "ping", "-c", "1", "-W", "1", "192.0.2.100",
        ])
    }

    /// Waits (at most 3 s) until every device in `devices` of `namespace` reports operstate UP.
    private func waitForOperationalUp(_ namespace: String, _ devices: [String]) throws {
        let deadline = Date().addingTimeInterval(3)
        while Date() < deadline {
            let output = try ExternalCommand.check(["ip", "-n", namespace, "-o", "link", "show"])
            let ready = devices.allSatisfy { device in
                output.split(separator: "\n").contains { $0.contains(" \(device)@") && $0.contains(" state UP ") }
            }
            if ready { return }
            usleep(50_000)
        }
    }

    func tearDown() {
        let lines = ([host, ext] + containers).map { "netns del \($0)\n" }.joined()
        // -force: go on past a namespace that is already gone (a half-built lab).
        _ = try? ExternalCommand.run(["ip", "-force", "-batch", "-"], input: lines)
    }

    deinit { tearDown() }
}
