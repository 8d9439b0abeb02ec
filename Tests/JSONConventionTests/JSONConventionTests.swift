import Foundation
import JSONConvention
import Testing

private struct Port: Codable, Equatable, JSONKeyNaming {
    static var jsonKeyNames: [String: String] { ["name": "ifname", "operState": "operstate"] }
    var name: String
    var operState: String
}

private struct Sample: Codable, Equatable {
    enum Kind: Codable, Equatable {
        case veth(peerIndex: Int)
        case loopback
    }

    var runID: String
    var noARP: Bool?
    var namespaceInode: UInt64
    var rttNs: UInt64?
    var ports: [Port]
    var byInterface: [String: Int]
    var kind: Kind
    var ratio: Double
}

private let sample = Sample(
    runID: "r1",
    noARP: nil,
    namespaceInode: 18_446_744_073_709_551_615,
    rttNs: 1_764_633_600_123_456_789,
    ports: [Port(name: "veth-CT1", operState: "up")],
    byInterface: ["Veth-CT1": 3, "eth0": 1],
    kind: .veth(peerIndex: 7),
    ratio: 0.25
)

@Suite struct JSONConventionTests {
    @Test(arguments: [
        ("runID", "run_id"), ("noARP", "no_arp"), ("namespaceInode", "namespace_inode"), ("rttNs", "rtt_ns"),
        ("destinationMAC", "destination_mac"), ("ipv4Forward", "ipv4_forward"), ("t_ns", "t_ns"), ("mtu", "mtu"),
        ("linkNetnsID", "link_netns_id"), ("URLPath", "url_path"), ("namespaceIDs", "namespace_ids"),
    ])
    func snakeCase(name: String, key: String) {
        #expect(snakeCaseKey(name) == key)
    }

    @Test func keysAreSnakeCaseAbsentIsNullDictionaryKeysKept() throws {
        let tree = try JSONDocuments.tree(of: sample, schema: "lxcdiag.sample/1")
        // Read back with Foundation's own parser: an independent reader of what was printed.
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(tree.text.utf8)) as? [String: Any]
        )
        #expect(
            Set(object.keys)
                == [
                    "schema", "run_id", "no_arp", "namespace_inode", "rtt_ns", "ports", "by_interface", "kind", "ratio",
                ]
        )
        #expect(object["schema"] as? String == "lxcdiag.sample/1")
        #expect(object["no_arp"] is NSNull)
        #expect((object["by_interface"] as? [String: Int]) == ["Veth-CT1": 3, "eth0": 1])
        let port = try #require((object["ports"] as? [[String: Any]])?.first)
        #expect(port["ifname"] as? String == "veth-CT1")
        #expect(port["operstate"] as? String == "up")
        let kind = try #require(object["kind"] as? [String: [String: Int]])
        #expect(kind == ["veth": ["peer_index": 7]])
    }

    @Test func sixtyFourBitIntegersKeepEveryDigit() throws {
        let text = try JSONDocuments.text(of: sample, schema: "lxcdiag.sample/1")
        #expect(text.contains("\"namespace_inode\": 18446744073709551615"))
        #expect(text.contains("\"rtt_ns\": 1764633600123456789"))
    }

    @Test func decodesWhatItEncodes() throws {
        let text = try JSONDocuments.text(of: sample)
        #expect(try JSONDocuments.decode(Sample.self, from: Data(text.utf8)) == sample)
    }

    @Test func missingKeyReadsAsNull() throws {
        let text = #"{"ifname": "eth0", "operstate": "down"}"#
        #expect(try JSONDocuments.decode(Port.self, from: Data(text.utf8)) == Port(name: "eth0", operState: "down"))
        struct Noted: Decodable, Equatable {
            var port: Port
            var note: String?
        }
        let withoutNote = #"{"port": {"ifname": "eth0", "operstate": "up"}}"#
        let noted = try JSONDocuments.decode(Noted.self, from: Data(withoutNote.utf8))
        #expect(noted == Noted(port: Port(name: "eth0", operState: "up"), note: nil))
        let noPort = #"{"ifname": "eth0"}"#
        #expect(throws: DecodingError.self) { try JSONDocuments.decode(Port.self, from: Data(noPort.utf8)) }
    }

    @Test func printsSortedPrettyAndOneLine() throws {
        let tree = JSONTree.object(["b": .array([.number("1"), .null]), "a": .string("x/\"y\"\n")])
        #expect(tree.text == "{\n  \"a\": \"x/\\\"y\\\"\\n\",\n  \"b\": [\n    1,\n    null\n  ]\n}")
        #expect(tree.line == #"{"a":"x/\"y\"\n","b":[1,null]}"#)
        #expect(JSONTree.object([:]).text == "{}")
    }
}
