import Foundation
import LinuxNet
import NetworkModel
import PacketCodec
import Testing

@Suite("the endpoint file's bytes")
struct EndpointFileBytesTests {
    /// The example of docs/endpoints.md.
    static let documented = """
        {"schema": "lxcdiag.endpoints/1", "endpoints": [
          {"name": "ext", "kind": "netns", "netns": "lxcdiag-ext", "interface": "eth0", "ip": "192.0.2.1"},
          {"name": "web", "kind": "lxc", "container": "ct2"},
          {"name": "probe", "kind": "netns", "pid": 4242}
        ]}
        """

    @Test("the documented file decodes with each entry's namespace")
    func documentedFile() throws {
        let registry = try EndpointRegistry.decode(from: Data(Self.documented.utf8), path: "e.json")
        #expect(registry.endpoints.map(\.name) == ["ext", "web", "probe"])
        #expect(registry.endpoint(named: "ext")?.ip == IPv4Address(192, 0, 2, 1))
        #expect(registry.endpoint(named: "ext")?.namespace == .named("lxcdiag-ext"))
        #expect(registry.endpoint(named: "web")?.namespace == nil)
        #expect(registry.endpoint(named: "probe")?.namespace == .pid(4242))
    }

    @Test("another schema, a bad address and malformed JSON are one error naming the file")
    func rejected() {
        let inputs = [
            #"{"schema": "lxcdiag.endpoints/2", "endpoints": []}"#,
            #"{"schema": "lxcdiag.endpoints/1", "endpoints": [{"name": "a", "kind": "netns", "ip": "1.2.3"}]}"#,
            "{",
        ]
        for input in inputs {
            let error = #expect(throws: EndpointFileError.self) {
                try EndpointRegistry.decode(from: Data(input.utf8), path: "e.json")
            }
            #expect(error?.description.hasPrefix("endpoint file e.json: ") == true)
        }
    }

    @Test("load decodes the file at the path; a missing file is an empty registry")
    func load() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lxcdiag-endpoint-file-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("endpoints.json").path
        #expect(try EndpointRegistry.load(from: path).endpoints.isEmpty)
        try Data(Self.documented.utf8).write(to: URL(fileURLWithPath: path))
        #expect(
            try EndpointRegistry.load(from: path)
                == EndpointRegistry.decode(from: Data(Self.documented.utf8), path: path)
        )
    }
}
