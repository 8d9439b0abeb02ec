import Foundation
import Netlink
import Testing
import Topology

/// Damaged replies must be rejected with `NetlinkError` (the only error the decoders can throw) or decoded as far
/// as they go, never crash or hang.
@Suite("malformed rtnetlink replies")
struct MalformedReplyTests {
    /// A small deterministic generator (SplitMix64), so a failure reproduces.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test("mutated fixtures decode or throw", arguments: ["lab/host", "lab/ct3", "vlan"])
    func mutations(fixture: String) throws {
        let directory = FixtureFiles.directory.appendingPathComponent(fixture)
        let original = try NamespaceDump(recordedIn: directory)
        var random = SplitMix(state: 42)
        var rejected = 0
        for round in 0..<400 {
            var bytes = round % 2 == 0 ? original.links.bytes : original.fdb.bytes
            guard !bytes.isEmpty else { continue }
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let position = Int.random(in: 0..<bytes.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0: bytes[position] = UInt8.random(in: 0...255, using: &random)
                case 1: bytes[position] ^= 0x80
                default: bytes.removeLast(Int.random(in: 0...min(8, bytes.count), using: &random))
                }
                if bytes.isEmpty { break }
            }
            do {
                var dump = original
                if round % 2 == 0 {
                    dump.links = try DumpReply(recorded: bytes)
                } else {
                    dump.fdb = try DumpReply(recorded: bytes)
                }
                _ = try NamespaceSnapshot(node: NetworkNode(name: "host", kind: .host), dump: dump)
            } catch {
                rejected += 1
            }
        }
        // Random damage to lengths is common enough that some replies must have been refused.
        #expect(rejected > 0)
    }
}
