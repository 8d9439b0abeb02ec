import Foundation
import Glibc
import JSONConvention
import LinuxNet
import Testing
import Topology

/// A busybox LXC container started from inside a host namespace, with a veth on that namespace's br0 and a
/// private-mode macvlan child of br0. Stopped, destroyed and removed when the test ends (also on failure).
final class LXCContainerLab {
    let name: String
    let host: String
    let vethName: String
    private(set) var initPID: Int32 = 0

    init() throws {
        let tag = String(UInt32.random(in: 0..<UInt32.max), radix: 36)
        name = "lxcdiag-t\(tag)"
        host = "lxcdiag-t\(tag)-lxchost"
        vethName = "vlx\(tag)"
        do { try build() } catch {
            tearDown()
            throw error
        }
    }

    private func build() throws {
        try ExternalCommand.check(["ip", "netns", "add", host])
        try ExternalCommand.check(["ip", "-n", host, "link", "add", "br0", "type", "bridge", "stp_state", "0"])
        try ExternalCommand.check(["ip", "-n", host, "link", "set", "br0", "up"])
        let config = FileManager.default.temporaryDirectory.appendingPathComponent("\(name).conf")
        defer { try? FileManager.default.removeItem(at: config) }
        try """
        lxc.net.0.type = veth
        lxc.net.0.link = br0
        lxc.net.0.flags = up
        lxc.net.0.name = eth0
        lxc.net.0.veth.pair = \(vethName)
        lxc.net.1.type = macvlan
        lxc.net.1.link = br0
        lxc.net.1.macvlan.mode = private
        lxc.net.1.flags = up
        lxc.net.1.name = eth1
        lxc.apparmor.profile = unconfined

        """.write(to: config, atomically: true, encoding: .utf8)
        try ExternalCommand.check(["lxc-create", "-n", name, "-t", "busybox", "-f", config.path], timeoutSeconds: 60)
        // LXC creates the host end of the veth (and finds br0) in the namespace lxc-start runs in.
        try ExternalCommand.check(["ip", "netns", "exec", host, "lxc-start", "-n", name, "-d"])
        let info = try ExternalCommand.check(["ip", "netns", "exec", host, "lxc-info", "-n", name, "-p", "-H"])
        initPID = try #require(Int32(info.trimmingCharacters(in: .whitespacesAndNewlines)), "lxc-info said \(info)")
    }

    func tearDown() {
        _ = try? ExternalCommand.run(["ip", "netns", "exec", host, "lxc-stop", "-n", name, "-k"])
        _ = try? ExternalCommand.run(["lxc-destroy", "-n", name, "-f"])
        _ = try? ExternalCommand.run(["ip", "netns", "del", host])
    }

    deinit { tearDown() }
}

@Suite(
    "Topology of a running LXC container",
    .enabled(if: getuid() == 0 && ExternalCommand.locate("lxc-create") != nil, "needs root and LXC")
)
struct LXCTopologyTests {
    @Test("the container's veth peer and macvlan parent are found in the namespace it was started from")
    func container() throws {
        let lab = try LXCContainerLab()
        defer { lab.tearDown() }
        let topology = try HostTopology.capture([
            TopologyTarget(name: "host", kind: .host, namespace: .named(lab.host)),
            TopologyTarget(name: lab.name, kind: .lxc, namespace: .pid(lab.initPID)),
        ])
        #expect(topology.problems.isEmpty)
        let container = try #require(topology.namespace(named: lab.name))
        #expect(container.node.kind == .lxc && container.node.namespacePath == "/proc/\(lab.initPID)/ns/net")
        let host = try #require(topology.namespace(named: "host"))
        let bridge = try #require(host.link(named: "br0"))
        let port = try #require(host.link(named: lab.vethName))
        #expect(port.master == host.reference(bridge))
        #expect(port.bridgePort?.state == .forwarding)
        let eth0 = try #require(container.link(named: "eth0"))
        #expect(eth0.kind == .veth && eth0.peer == host.reference(port))
        #expect(port.peer == container.reference(eth0))
        let eth1 = try #require(container.link(named: "eth1"))
        #expect(eth1.kind == .macvlan && eth1.macvlan?.mode == .private)
        #expect(eth1.parent == host.reference(bridge))
        // Carrier may still be on its way (br0 gets one only once its port forwards); resolution must be complete.
        let codes = topology.warnings().filter { $0.interface.node == lab.name }.map(\.code)
        #expect(!codes.contains("peer-unknown") && !codes.contains("parent-unknown"))
    }

    @Test("lxcdiag topo finds the running container by name and shows it behind its port")
    func command() throws {
        let lab = try LXCContainerLab()
        defer { lab.tearDown() }
        let output = try LXCDiagBinary.run(["topo", "-n", lab.host, lab.name, "--json"])
        #expect(output.status == 0, "\(output.standardError)")
        let document = try JSONDocuments.decode(TopologyDocument.self, from: Data(output.standardOutput.utf8))
        let container = try #require(document.namespaces.first { $0.node.name == lab.name })
        #expect(container.node.kind == .lxc)
        #expect(container.link(named: "eth0")?.peer?.name == lab.vethName)
        let text = try LXCDiagBinary.run(["topo", "-n", lab.host, lab.name])
        #expect(text.standardOutput.contains("→ \(lab.name)  eth0  veth"))
        #expect(text.standardOutput.contains("→ \(lab.name)  eth1  macvlan private"))
    }
}
