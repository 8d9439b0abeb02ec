import Foundation
import Testing

/// Runs the binary as uid/gid 65534 through setpriv, with the given capabilities raised as ambient ones.
private func runAsNobody(capabilities: [String], _ arguments: [String]) throws -> BadInputRun {
    let caps = capabilities.map { "+\($0)" }.joined(separator: ",")
    let setpriv =
        ["--reuid=65534", "--regid=65534", "--clear-groups"]
        + (capabilities.isEmpty ? [] : ["--inh-caps=\(caps)", "--ambient-caps=\(caps)"])
    return try runProcess(
        "/usr/bin/setpriv",
        setpriv + [binaryUnderTest] + arguments,
        environment: guardedEnvironment()
    )
}

@Suite(
    "Capabilities, not uid 0: a user holding CAP_NET_ADMIN, CAP_NET_RAW and CAP_SYS_ADMIN may run lxcdiag",
    .enabled(
        if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")
            && FileManager.default.isExecutableFile(atPath: binaryUnderTest),
        "needs root (to hand out capabilities), setpriv and the binary"
    )
)
struct CapabilityTests {
    @Test("without the capabilities: one line naming the missing ones, exit 3")
    func refused() throws {
        let message =
            "lxcdiag: lxcdiag topo needs root or the capabilities CAP_NET_ADMIN, CAP_NET_RAW, CAP_SYS_ADMIN; "
            + "run it with sudo"
        let run = try runAsNobody(capabilities: [], ["topo", "--no-scan"])
        #expect(run.status == 3)
        #expect(run.standardError == message + "\n")
        // With --json the same line comes as a lxcdiag.error/1 object (docs/json.md), with the same status.
        let json = try runAsNobody(capabilities: [], ["topo", "--no-scan", "--json"])
        #expect(json.status == 3)
        let error = try JSONSerialization.jsonObject(with: Data(json.standardError.utf8)) as? [String: Any]
        #expect(error?["message"] as? String == message)
        #expect(error?["exit_status"] as? Int == 3 && error?["schema"] as? String == "lxcdiag.error/1")
        let partial = try runAsNobody(capabilities: ["net_raw"], ["topo", "--no-scan", "--json"])
        #expect(partial.status == 3)
        #expect(partial.standardError.contains("CAP_NET_ADMIN, CAP_SYS_ADMIN;"))
    }

    @Test("with them, as uid 65534: topo runs and reads this namespace")
    func granted() throws {
        let run = try runAsNobody(
            capabilities: ["net_admin", "net_raw", "sys_admin"],
            ["topo", "--no-scan", "--json"]
        )
        #expect(run.status == 0, "\(run.standardError)")
        #expect(run.standardOutput.contains("\"schema\""))
    }
}
