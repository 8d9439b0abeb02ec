import ExpectedPath
import Foundation
import JSONConvention
import Testing
import Topology

@Suite("The lxcdiag.path/1 JSON document")
struct PathJSONTests {
    private func document(_ path: ExpectedPath) throws -> [String: Any] {
        let data = Data(try JSONDocuments.text(of: path).utf8)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test("top level, endpoint and hop fields are the documented ones, with documented values")
    func fields() throws {
        var lab = Lab()
        lab.builder.update(lab.vethCT1) { $0.bridgePort?.state = .blocking }
        var path = PathFinder.path(
            from: endpoint("ext", "192.0.2.1", interface: "eth0"),
            to: endpoint("ct1", "192.0.2.11"),
            in: lab.topology
        )
        path.hops[0].cautions = ["x"]
        let json = try document(path)
        #expect(Set(json.keys) == ["schema", "from", "to", "hops", "reachable", "notes"])
        #expect(json["schema"] as? String == "lxcdiag.path/1")
        #expect(json["reachable"] as? Bool == false)
        let from = try #require(json["from"] as? [String: Any])
        #expect(Set(from.keys) == ["endpoint", "node", "interface", "interface_pinned", "ip", "mac", "address_origin"])
        #expect(from["address_origin"] is NSNull)
        #expect(from["ip"] as? String == "192.0.2.1")
        #expect(from["interface_pinned"] as? Bool == true)
        let hops = try #require(json["hops"] as? [[String: Any]])
        let first = hops[0]
        #expect(
            Set(first.keys) == [
                "node", "interface", "direction", "reason", "detail", "destination_mac", "observable", "cautions",
                "blocked", "blocked_by_design", "findings",
            ]
        )
        #expect(first["reason"] as? String == "route-lookup")
        #expect(first["destination_mac"] as? String == "02:00:00:00:01:01")
        #expect(first["cautions"] as? [String] == ["x"])
        let blocked = try #require(hops.first { $0["blocked"] is String })
        #expect(blocked["interface"] as? String == "veth-ct1")
        #expect(blocked["direction"] as? String == "forward")
        #expect(blocked["blocked"] as? String == "bridge port host:veth-ct1 is in STP state blocking")
        #expect(hops.compactMap { $0["direction"] as? String }.contains("bridging"))
    }

    @Test("a document decodes back to the same path")
    func roundTrip() throws {
        let path = PathFinder.path(
            from: endpoint("ext", "192.0.2.1"),
            to: endpoint("ct3", "192.0.2.13"),
            in: Lab().topology
        )
        let decoded = try JSONDocuments.decode(ExpectedPath.self, from: Data(try JSONDocuments.text(of: path).utf8))
        #expect(decoded == path)
    }
}
