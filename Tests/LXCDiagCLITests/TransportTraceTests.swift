import Foundation
import Testing

/// `trace --tcp`/`--udp` on a lab built through the binary, as a user builds it: the healthy path answers both
/// ports at every hop, crafted and through the source's own stack; `lab down` stops the lab's listener.
@Suite(
    "trace --tcp and --udp on a healthy lab, and the lab's listener",
    .serialized,
    .enabled(
        if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: binaryUnderTest),
        "needs root and the binary"
    )
)
struct TransportTraceTests {
    private func lxcdiag(_ arguments: [String]) throws -> BadInputRun {
        var environment = guardedEnvironment()
        environment.removeValue(forKey: "LXCDIAG_ENDPOINTS")
        return try runProcess(binaryUnderTest, arguments, environment: environment)
    }

    @Test("both ports answered at every path hop, the verdict reachable; lab down stops the listener")
    func healthy() throws {
        let name = "lxcdiag-tport" + String(UInt32.random(in: 0..<UInt32.max), radix: 36)
        let up = try lxcdiag(["lab", "up", "--no-lxc", "--name", name])
        defer { _ = try? lxcdiag(["lab", "down", "--name", name]) }
        try #require(up.status == 0, "lab up: \(up.standardError)")
        let pidPath = "/run/lxcdiag/labs/\(name).listener.pid"
        let pid = try #require(
            (try? String(contentsOfFile: pidPath, encoding: .utf8)).flatMap {
                Int32($0.trimmingCharacters(in: .whitespacesAndNewlines))
            },
            "lab up wrote no listener PID"
        )
        #expect(kill(pid, 0) == 0, "the listener does not run")

        let endpoints = "/run/lxcdiag/labs/\(name).endpoints.json"
        let run = try lxcdiag(
            [
                "trace", "--from", "ext", "--to", "ct1", "--tcp", "443", "--udp", "443", "--json", "--endpoints",
                endpoints,
            ]
        )
        #expect(run.status == 0, "\(run.standardOutput)\n\(run.standardError)")
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8)) as? [String: Any]
        )
        #expect(document["verdict"] as? String == "reachable")
        let probes = document["probes"] as? [[String: Any]] ?? []
        let kinds = probes.compactMap { $0["kind"] as? String }
        #expect(kinds == ["arp", "icmp", "icmp-mtu", "tcp", "udp", "stack", "tcp-stack", "udp-stack"])
        for probe in probes where (probe["kind"] as? String).map({ $0.hasPrefix("tcp") || $0.hasPrefix("udp") }) == true
        {
            let kind = probe["kind"] as? String ?? "?"
            #expect(probe["result"] as? String == "answered", "\(kind)")
            #expect(probe["port"] as? Int == 443, "\(kind)")
            for hop in probe["hops"] as? [[String: Any]] ?? [] where hop["side"] as? Bool == false {
                // A bridge device sees forwarded unicast only when promiscuous: it may or may not have.
                guard hop["role"] as? String != "bridge" else { continue }
                let label = "\(hop["node"] ?? ""):\(hop["interface"] ?? "")"
                #expect((hop["request"] as? [String: Any])?["seen"] as? Bool == true, "\(kind) request at \(label)")
                #expect((hop["reply"] as? [String: Any])?["seen"] as? Bool == true, "\(kind) reply at \(label)")
            }
        }

        let down = try lxcdiag(["lab", "down", "--name", name])
        #expect(down.status == 0, "lab down: \(down.standardError)")
        // Gone, or a zombie its new parent (init) has not reaped yet: it no longer runs either way.
        let state = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8))?.split(separator: " ")
        #expect(state == nil || state?[2] == "Z", "lab down left the listener (PID \(pid)) running: \(state ?? [])")
        #expect(!FileManager.default.fileExists(atPath: pidPath))
    }

    @Test("a port out of range is a usage error naming the option")
    func badPort() throws {
        for (option, value) in [("--tcp", "0"), ("--udp", "65536"), ("--tcp", "-1")] {
            let run = try lxcdiag(["trace", "--from", "ext", "--to", "ct1", option, value])
            #expect(run.status == 2, "\(option) \(value)")
            #expect(run.standardError.contains("\(option) must be a port between 1 and 65535"), "\(run.standardError)")
        }
    }
}
