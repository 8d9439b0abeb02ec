import Foundation
import JSONConvention
import Testing
import Topology

/// The `topo` renderings of the recorded lab: golden text, JSON field names, and the Graphviz graph.
@Suite("topo text, JSON and DOT from the recorded lab")
struct TopologyReportTests {
    @Test("the text tree matches the golden file (Fixtures/lab/topo.txt)")
    func goldenText() throws {
        let text = try RecordedLabTests.recordedTopology().textTree()
        let file = FixtureFiles.directory.appendingPathComponent("lab/topo.txt")
        if ProcessInfo.processInfo.environment["LXCDIAG_UPDATE_GOLDEN"] != nil {
            try Data(text.utf8).write(to: file)
        }
        let golden = try String(contentsOf: file, encoding: .utf8)
        #expect(text == golden)
    }

    @Test("JSON field names of schema lxcdiag.topo/1 stay as documented")
    func jsonFields() throws {
        let topology = try RecordedLabTests.recordedTopology()
        let vct2Index = try #require(topology.namespace(named: "host")?.link(named: "vct2")).index
        let data = Data(try JSONDocuments.text(of: TopologyDocument(try RecordedLabTests.recordedTopology())).utf8)
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(Set(root.keys) == ["schema", "namespaces", "warnings", "problems"])
        #expect(root["schema"] as? String == "lxcdiag.topo/1")
        let namespaces = try #require(root["namespaces"] as? [[String: Any]])
        let host = namespaces[0]
        #expect(Set(host.keys) == ["node", "links", "addresses", "routes", "neighbours", "fdb", "namespace_ids"])
        #expect(
            Set(namespaces[2].keys) == ["node", "links", "addresses", "routes", "neighbours", "fdb", "namespace_ids"]
        )
        // Absent is null, never a missing key (docs/json.md).
        #expect(namespaces[2]["namespace_ids"] is NSNull)
        #expect((host["namespace_ids"] as? [String: Int])?["ct1"] != nil)
        #expect((host["node"] as? [String: Any])?["name"] as? String == "host")
        let links = try #require(host["links"] as? [[String: Any]])
        let vct2 = try #require(links.first { $0["ifname"] as? String == "vct2" })
        #expect(vct2["kind"] as? String == "veth")
        #expect(vct2["ifindex"] as? Int == Int(vct2Index) && vct2["operstate"] is String && vct2["mtu"] is Int)
        #expect(vct2["address"] is String && vct2.keys.contains("no_arp") && vct2["link_netnsid"] is Int)
        #expect((vct2["master"] as? [String: Any])?["ifname"] as? String == "br0")
        #expect((vct2["peer"] as? [String: Any])?["node"] as? String == "ct2")
        let port = try #require(vct2["bridge_port"] as? [String: Any])
        #expect(port["state"] as? String == "disabled")
        #expect(port["unicast_flood"] as? Bool == false)
        let bridge = try #require(links.first { $0["ifname"] as? String == "br0" }?["bridge"] as? [String: Any])
        #expect(bridge["stp_state"] as? String == "off")
        let fdb = try #require(host["fdb"] as? [[String: Any]])
        #expect(fdb.contains { $0["mac"] as? String == "02:00:00:00:00:aa" && $0["state"] as? String == "static" })
        let neighbours = try #require(host["neighbours"] as? [[String: Any]])
        #expect(neighbours.contains { $0["address"] as? String == "192.0.2.203" && $0["state"] as? String == "stale" })
        let warnings = try #require(root["warnings"] as? [[String: Any]])
        #expect(warnings.contains { $0["code"] as? String == "port-not-forwarding" })
        #expect(warnings.allSatisfy { Set($0.keys) == ["code", "interface", "message"] })
    }

    @Test("the Graphviz graph has one cluster per namespace and the lab's edges")
    func dotGraph() throws {
        let topology = try RecordedLabTests.recordedTopology()
        let dot = topology.dotGraph()
        #expect(dot.hasPrefix("graph topology {"))
        for (position, node) in RecordedLabTests.nodes.enumerated() {
            #expect(dot.contains("subgraph \"cluster_\(position)\""))
            #expect(dot.contains("label=\"\(node) ("))
        }
        let host = try #require(topology.namespace(named: "host"))
        let vct2 = try #require(host.link(named: "vct2"))
        #expect(dot.contains("\"host/2\" -- \"host/\(vct2.index)\" [label=\"disabled\", color=red];"))
        #expect(dot.contains("\"host/\(vct2.index)\" -- \"ct2/2\" [style=dashed, label=\"veth\"];"))
        #expect(dot.contains("-- \"ct3/7\" [style=dotted, label=\"macvlan bridge\"];"))
        // One edge per veth pair (em1, vct1, vct2, vct5, pt0/pt1, pl0/pl1), not two.
        #expect(dot.components(separatedBy: "label=\"veth\"").count - 1 == 6)
    }

    @Test("warnings name what is wrong on which interface")
    func warnings() throws {
        let warnings = try RecordedLabTests.recordedTopology().warnings()
        func codes(_ node: String, _ name: String) -> [String] {
            warnings.filter { $0.interface.node == node && $0.interface.name == name }.map(\.code)
        }
        #expect(codes("host", "vct2").contains("port-not-forwarding"))
        #expect(codes("host", "vct2").contains("flooding-off"))
        #expect(codes("host", "pl0").contains("port-not-forwarding"))
        #expect(codes("host", "vct1") == ["mtu-mismatch"])
        #expect(codes("host", "mvv") == ["link-down"])
        // An unused tap being down harms nothing.
        #expect(codes("host", "tap0").isEmpty)
        #expect(codes("ct1", "eth0").isEmpty)
        #expect(codes("host", "lo").isEmpty)
    }
}
