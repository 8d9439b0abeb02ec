import Foundation
import LinuxNet
import NetworkModel
import Testing

@Suite("The endpoint file: what is refused, with one reason naming the entry (no root needed)")
struct EndpointFileTests {
    private func decode(_ text: String) throws(EndpointFileError) -> EndpointRegistry {
        try EndpointRegistry.decode(from: Data(text.utf8), path: "e.json")
    }

    private let ext = #"{"name":"ext","kind":"netns","netns":"lab-ext","interface":"eth0","ip":"203.0.113.1"}"#

    @Test("a good file decodes, and lookups by name find the first entry of each name")
    func good() throws {
        let registry = try decode(#"{"schema":"lxcdiag.endpoints/1","endpoints":[\#(ext)]}"#)
        #expect(registry.endpoint(named: "ext")?.netns == "lab-ext")
        #expect(registry.endpoint(named: "nope") == nil)
        var changed = registry
        changed.endpoints.append(RegisteredEndpoint(name: "ct1", kind: "lxc", container: "ct1"))
        #expect(changed.endpoint(named: "ct1")?.container == "ct1")
        changed.endpoints.removeAll { $0.name == "ext" }
        #expect(changed.endpoint(named: "ext") == nil && changed.endpoint(named: "ct1") != nil)
    }

    @Test(
        "malformed files are refused with the reason",
        arguments: [
            ("{not json", "not valid JSON"),
            ("[1,2,3]", "the wrong type"),
            (#"{"schema":"lxcdiag.endpoints/1"}"#, #"lacks "endpoints""#),
            (#"{"schema":"lxcdiag.endpoints/9","endpoints":[]}"#, "schema lxcdiag.endpoints/9"),
            (#"{"schema":"lxcdiag.endpoints/1","endpoints":[{"name":"x","kind":"bogus"}]}"#, "unknown kind 'bogus'"),
            (#"{"schema":"lxcdiag.endpoints/1","endpoints":[{"name":"","kind":"netns"}]}"#, "no usable name"),
            (#"{"schema":"lxcdiag.endpoints/1","endpoints":[{"name":"a b","kind":"netns"}]}"#, "no usable name"),
            (
                #"{"schema":"lxcdiag.endpoints/1","endpoints":[{"name":"x","kind":"netns","ip":"999.1.1.1"}]}"#,
                "bad IPv4 999.1.1.1"
            ),
            (#"{"schema":"lxcdiag.endpoints/1","endpoints":[{"kind":"netns"}]}"#, #"lacks "name""#),
        ]
    )
    func malformed(text: String, reason: String) {
        #expect {
            try decode(text)
        } throws: { error in
            "\(error)".contains(reason) && !"\(error)".contains("\n")
        }
    }

    @Test("a name twice is refused: a lookup would silently pick one")
    func duplicate() {
        #expect(throws: EndpointFileError.self) {
            try decode(#"{"schema":"lxcdiag.endpoints/1","endpoints":[\#(ext),\#(ext)]}"#)
        }
    }

    @Test("load: a missing file is no endpoints; directories and devices are refused")
    func load() throws {
        #expect(try EndpointRegistry.load(from: "/nonexistent/endpoints.json").endpoints.isEmpty)
        #expect(throws: EndpointFileError.self) { try EndpointRegistry.load(from: NSTemporaryDirectory()) }
        #expect(throws: EndpointFileError.self) { try EndpointRegistry.load(from: "/dev/zero") }
    }

    @Test("interface names follow the kernel's rule")
    func interfaceNames() {
        for good in ["eth0", "em1.211", "veth-ct1", "br0", "a", "123456789012345"] {
            #expect(InterfaceName.isValid(good), "\(good)")
        }
        for bad in ["", ".", "..", "a/b", "a b", "a:b", "1234567890123456", #"x" || len != 0"#, "tab\t", "a*"] {
            #expect(!InterfaceName.isValid(bad), "\(bad)")
        }
    }

    @Test("capabilities come from CapEff, not the uid")
    func capabilities() throws {
        let root = try #require(Capabilities.parse(status: "Name:\tx\nCapEff:\t000001ffffffffff\n"))
        #expect(root.missing.isEmpty)
        // CAP_NET_ADMIN (12), CAP_NET_RAW (13), CAP_SYS_ADMIN (21) and nothing else: enough.
        let granted = try #require(Capabilities.parse(status: "CapEff:\t0000000000203000\n"))
        #expect(granted.missing.isEmpty)
        let rawOnly = try #require(Capabilities.parse(status: "CapEff:\t0000000000002000\n"))
        #expect(rawOnly.missing == [Capabilities.netAdmin, Capabilities.sysAdmin])
        #expect(Capabilities.parse(status: "Name:\tx\n") == nil)
    }
}
