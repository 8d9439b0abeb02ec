import Foundation
import Glibc
import JSONConvention
import LinuxNet
import Testing
import Topology

/// A host with many containers on one bridge, built from namespaces: `HOST` holds br0 with one veth port `cN`
/// per container namespace `CT-N`, whose end is `eth0` with 10.217.0.N/24. Removed when the test ends.
final class ManyContainersLab {
    let host: String
    let containers: [String]

    init(count: Int) throws {
        let tag = "lxsc-t\(getpid())x" + String(UInt32.random(in: 0..<UInt32.max), radix: 36)
        host = "\(tag)-host"
        containers = (1...count).map { "\(tag)-c\($0)" }
        do { try build() } catch {
            tearDown()
            throw error
        }
    }

    private func build() throws {
        // Bounded: one `ip -batch` for the namespaces, one for the host's ports, one per container.
        let namespaces = ([host] + containers).map { "netns add \($0)" }
        try ExternalCommand.check(["ip", "-batch", "-"], input: namespaces.joined(separator: "\n") + "\n")
        var ports = ["link add br0 type bridge", "link set br0 up", "link set lo up"]
        for (position, container) in containers.enumerated() {
            ports.append("link add c\(position + 1) type veth peer name eth0 netns \(container)")
            ports.append("link set c\(position + 1) master br0 up")
        }
        try ExternalCommand.check(["ip", "-n", host, "-batch", "-"], input: ports.joined(separator: "\n") + "\n")
        for (position, container) in containers.enumerated() {
            let lines = ["link set lo up", "addr add 10.217.0.\(position + 1)/24 dev eth0", "link set eth0 up"]
            try ExternalCommand.check(
                ["ip", "-n", container, "-batch", "-"],
                input: lines.joined(separator: "\n") + "\n"
            )
        }
    }

    func tearDown() {
        for name in [host] + containers { _ = try? ExternalCommand.run(["ip", "netns", "del", name]) }
    }
}

@Suite("topo and doctor on a host with many containers", .enabled(if: getuid() == 0, "needs root"))
struct ManyContainersTests {
    /// Each port `cN` of br0 and `eth0` of container N point at each other, and nothing else is paired.
    static func expectPairs(_ topology: HostTopology, _ lab: ManyContainersLab) throws {
        let host = try #require(topology.namespace(named: "host"))
        for (position, container) in lab.containers.enumerated() {
            let port = try #require(host.link(named: "c\(position + 1)"))
            let inside = try #require(topology.namespace(named: container), "\(container) not captured")
            let eth0 = try #require(inside.link(named: "eth0"))
            #expect(port.peer == LinkReference(node: container, index: eth0.index, name: "eth0"))
            #expect(eth0.peer == LinkReference(node: "host", index: port.index, name: port.name))
            let global = inside.addresses.filter { $0.scope == "global" }
            #expect(global.map { "\($0.address)/\($0.prefixLength)" } == ["10.217.0.\(position + 1)/24"])
        }
    }

    @Test("60 containers: each veth pair is found end to end, read on a few threads switching namespaces")
    func capture() throws {
        let lab = try ManyContainersLab(count: 60)
        defer { lab.tearDown() }
        let targets =
            [TopologyTarget(name: "host", kind: .host, namespace: .named(lab.host))]
            + lab.containers.map { TopologyTarget(name: $0, kind: .netns, namespace: .named($0)) }
        let topology = try HostTopology.capture(targets, workers: 3)
        #expect(topology.problems.isEmpty)
        #expect(topology.namespaces.map(\.node.name) == ["host"] + lab.containers)
        try Self.expectPairs(topology, lab)
        // The same namespaces captured one by one, each on its own thread, give the same wiring.
        let oneByOne = try targets.map { try NamespaceSnapshot.capture($0, others: targets) }
        var reference = HostTopology(namespaces: oneByOne)
        reference.resolveCrossNamespaceLinks { _, _ in nil }
        for (captured, single) in zip(topology.namespaces, reference.namespaces) {
            #expect(captured.links.map(\.peer) == single.links.map(\.peer), "\(captured.node.name)")
            #expect(captured.addresses == single.addresses)
        }
    }

    @Test("lxcdiag topo and doctor name every one of 60 containers, each behind its own port")
    func cli() throws {
        let lab = try ManyContainersLab(count: 60)
        defer { lab.tearDown() }
        let topo = try LXCDiagBinary.run(["topo", "-n", lab.host] + lab.containers + ["--json"])
        #expect(topo.status == 0, "\(topo.standardError)")
        let document = try JSONDocuments.decode(TopologyDocument.self, from: Data(topo.standardOutput.utf8))
        #expect(document.problems.isEmpty)
        try Self.expectPairs(document.topology, lab)

        let text = try LXCDiagBinary.run(["topo", "-n", lab.host] + lab.containers)
        #expect(text.status == 0, "\(text.standardError)")
        let lines = text.standardOutput.split(separator: "\n").map(String.init)
        // host, br0, and per container its port and the peer behind it; no namespace drawn on its own.
        #expect(lines.count == 2 + 2 * lab.containers.count)
        for (position, container) in lab.containers.enumerated() {
            let port = try #require(lines.firstIndex { $0.contains("port  c\(position + 1)  veth") })
            #expect(lines[port + 1].contains("→ \(container)  eth0  veth"), "\(lines[port + 1])")
            #expect(lines[port + 1].contains("10.217.0.\(position + 1)/24"))
        }

        let doctor = try LXCDiagBinary.run(["doctor", "-n", lab.host, "--json"] + lab.containers)
        #expect(doctor.status == 0, "\(doctor.standardError)")
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(doctor.standardOutput.utf8)) as? [String: Any]
        )
        // The host first, then the namespaces in /run/netns's (sorted) order.
        #expect(report["inspected"] as? [String] == ["host"] + lab.containers.sorted())
        #expect((report["findings"] as? [Any])?.isEmpty == true)
        #expect((report["problems"] as? [Any])?.isEmpty == true)
    }
}
