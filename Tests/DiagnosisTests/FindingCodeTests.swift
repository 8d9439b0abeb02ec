import Diagnosis
import Foundation
import NetworkModel
import Testing
import Trace

@Suite("Finding catalogue")
struct FindingCodeTests {
    @Test("the issue's 21 codes, NOTHING_LISTENS (--tcp/--udp), PACKET_LOSS and LATENCY (--count), each with a meaning")
    func codes() {
        #expect(FindingCode.allCases.count == 24)
        for code in FindingCode.allCases {
            #expect(code.rawValue == code.rawValue.uppercased())
            #expect(!code.meaning.isEmpty)
        }
    }

    @Test("docs/findings.md documents every code with cause, evidence and fix")
    func documented() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("docs/findings.md"), encoding: .utf8)
        for code in FindingCode.allCases {
            let heading = "## \(code.rawValue)"
            #expect(text.contains(heading), "\(code.rawValue) is not documented")
            let section =
                text.components(separatedBy: heading).dropFirst().first?
                .components(separatedBy: "\n## ").first ?? ""
            for part in ["**Cause**", "**Evidence**", "**Fix**"] {
                #expect(section.contains(part), "\(code.rawValue) lacks \(part)")
            }
        }
    }

    @Test("findings encode with the trace schema's keys")
    func json() throws {
        let finding = Finding(
            .linkDown,
            at: HopName(node: "ct1", interface: "eth0"),
            summary: "s",
            evidence: ["e"],
            fix: "f"
        )
        let object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(finding)) as? [String: Any]
        #expect(object?["code"] as? String == "LINK_DOWN")
        #expect(object?["severity"] as? String == "error")
        #expect((object?["where"] as? [String: String]) == ["node": "ct1", "interface": "eth0"])
        #expect(object?["evidence"] as? [String] == ["e"])
        #expect(object?["fix"] as? String == "f")
    }
}
