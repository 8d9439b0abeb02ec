// libFuzzer entry for the endpoint file (`/run/lxcdiag/endpoints.json`, `--endpoints FILE`). run.sh compiles it in
// one module with NetworkModel's Endpoint, EndpointRegistry and JSONFile, the PacketCodec sources (IPv4Address
// and MACAddress decode themselves from strings) and LinuxNet's `NetworkNamespace` enum without `identity()`
// (which needs CLinuxNet). Imports stripped.
import Foundation

/// With LXCDIAG_FUZZ_SEEDS set, writes an endpoint file as the lab writes one (`JSONFile.write`) into that
/// folder before libFuzzer reads its corpus.
@_cdecl("LLVMFuzzerInitialize")
public func writeEndpointSeeds(_ argc: UnsafeMutableRawPointer?, _ argv: UnsafeMutableRawPointer?) -> CInt {
    guard let folder = ProcessInfo.processInfo.environment["LXCDIAG_FUZZ_SEEDS"] else { return 0 }
    let lab = EndpointRegistry(endpoints: [
        RegisteredEndpoint(
            name: "ext",
            kind: "netns",
            netns: "lxcdiag-fuzz-ext",
            interface: "eth0",
            ip: IPv4Address(198, 51, 100, 1),
            note: "lab fuzz: the outside client on switch sw0"
        ),
        RegisteredEndpoint(
            name: "ct1",
            kind: "lxc",
            container: "lxcdiag-fuzz-ct1",
            interface: "eth0",
            ip: IPv4Address(198, 51, 100, 11),
            note: "lab fuzz: veth on br0",
            starterNetns: "lxcdiag-fuzz-host"
        ),
        RegisteredEndpoint(name: "probe", kind: "netns", pid: 4242),
    ])
    try! JSONFile.write(lab, to: folder + "/lab-endpoints.json")
    return 0
}

/// Decodes arbitrary bytes as the endpoint file; a crash, a trap, an error that does not name the file or a
/// registry that does not survive `save` and `load` again is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEndpointFile(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = start.map { Data(bytes: $0, count: count) } ?? Data()
    let registry: EndpointRegistry
    do {
        registry = try EndpointRegistry.decode(from: data, path: "fuzz.json")
    } catch {
        require(error.description.hasPrefix("endpoint file fuzz.json: "))
        return 0
    }
    require(registry.schema == EndpointRegistry.schema)
    // What `save` writes (JSONFile's encoder) must load as the same registry.
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    let written = try? encoder.encode(registry)
    require(written != nil, "a decoded registry does not encode")
    let again = written.flatMap { try? EndpointRegistry.decode(from: $0, path: "fuzz.json") }
    require(again == registry, "endpoint file save/load round trip")
    for endpoint in registry.endpoints {
        require(registry.endpoint(named: endpoint.name) != nil)
        switch endpoint.namespace {
        case .named(let name): require(name == endpoint.netns)
        case .pid(let pid): require(endpoint.netns == nil && pid == endpoint.pid)
        case nil: require(endpoint.netns == nil && endpoint.pid == nil)
        default: require(false, "an endpoint names its namespace by netns or pid only")
        }
    }
    return 0
}
