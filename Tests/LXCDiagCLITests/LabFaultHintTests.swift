import Foundation
import Testing

/// Runs `lxcdiag ARGS` (or, for a printed command, the words after `lxcdiag`) with the guard that refuses to send
/// in this namespace.
private func lxcdiag(_ arguments: [String]) throws -> BadInputRun {
    var environment = guardedEnvironment()
    environment.removeValue(forKey: "LXCDIAG_ENDPOINTS")
    return try runProcess(binaryUnderTest, arguments, environment: environment)
}

/// Runs a plain command (ping, ip) and returns its exit status.
private func status(of command: [String]) throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = command
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    return process.terminationStatus
}

/// One lab built through the binary, as a user builds it, and what its endpoint file says.
private final class HintLab {
    let name = "lxcdiag-thint" + String(UInt32.random(in: 0..<UInt32.max), radix: 36)
    var endpointsPath: String { "/run/lxcdiag/labs/\(name).endpoints.json" }
    private(set) var entries: [String: [String: Any]] = [:]

    init() throws {
        let up = try lxcdiag(["lab", "up", "--name", name] + (lxcInstalled ? ["--lxc"] : ["--no-lxc"]))
        guard up.status == 0 else {
            _ = try? lxcdiag(["lab", "down", "--name", name])
            throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "lab up: \(up.standardError)"])
        }
        let data = try Data(contentsOf: URL(fileURLWithPath: endpointsPath))
        let document = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        for entry in document?["endpoints"] as? [[String: Any]] ?? [] {
            if let name = entry["name"] as? String { entries[name] = entry }
        }
    }

    func tearDown() {
        _ = try? lxcdiag(["lab", "fix", "--all", "--name", name])
        _ = try? lxcdiag(["lab", "down", "--name", name])
    }

    /// The command prefix that runs a tool in endpoint `endpoint`'s namespace, found independently of lxcdiag.
    func inside(_ endpoint: String) throws -> [String] {
        let entry = try #require(entries[endpoint], "\(endpoint) is not in the lab's endpoint file")
        if let netns = entry["netns"] as? String { return ["ip", "netns", "exec", netns] }
        let container = try #require(entry["container"] as? String)
        let starter = try #require(entry["starterNetns"] as? String)
        let info = Process()
        info.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        info.arguments = ["ip", "netns", "exec", starter, "lxc-info", "-n", container, "-p", "-H"]
        let pipe = Pipe()
        info.standardOutput = pipe
        try info.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        info.waitUntilExit()
        let pid = try #require(Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)))
        return ["nsenter", "--net=/proc/\(pid)/ns/net"]
    }

    /// Whether the kernel's own `ping` from `from` to `to`'s address gets an answer.
    func pings(from: String, to: String) throws -> Bool {
        let address = try #require(entries[to]?["ip"] as? String)
        return try status(of: try inside(from) + ["ping", "-c", "1", "-W", "1", address]) == 0
    }
}

/// Where each fault is: the hop its finding must name (the port, the interface, the entry's port).
private let expectedHop: [String: String] = [
    "port-blocking": "host:veth-ct1", "flood-off": "host:veth-ct1", "br-netfilter-drop": "host:veth-ct1",
    "bridge-filter-drop": "host:veth-ct1", "container-link-down": "ct1:eth0", "container-mtu": "ct1:eth0",
    "arp-ignore": "ct1:eth0", "duplicate-ip": "ct1:eth0", "duplicate-mac": "ct1:eth0", "stale-neighbour": "ext:eth0",
    "rp-filter": "ct1:eth0", "macvlan-private": "ct3:eth0", "macvlan-vepa": "ct3:eth0",
    "macvlan-parent-address": "host:br0", "arp-flux": "ct1:eth1", "container-input-drop": "ct1:eth0",
    "no-address": "ct1:eth0", "no-route": "ct1:eth0", "fdb-wrong-port": "host:veth-ct2",
    "tcp-forward-drop": "host:veth-ct1", "udp-input-drop": "ct1:eth0", "closed-port": "ct1:eth0",
]

/// The codes whose remedy is a change of design the trace can only describe (a `check:` line), not a command.
/// NOTHING_LISTENS: which service should listen is the user's to know; `lab fix` starts the lab's listener again.
private let adviceOnly: Set<String> = ["MACVLAN_PARENT_ISOLATION", "NOTHING_LISTENS"]

/// The first `fix:` command line of a trace's text output (advice is printed as `check:` and is not run).
private func firstFixCommand(in output: String) -> String? {
    for line in output.split(separator: "\n") {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("fix: ") { return String(trimmed.dropFirst("fix: ".count)) }
    }
    return nil
}

private let lxcInstalled = FileManager.default.isExecutableFile(atPath: "/usr/bin/lxc-create")

@Suite(
    "Every lab break prints a see-it command that shows its code and exits 1; lab fix makes ping work again",
    .serialized,
    .enabled(
        if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: binaryUnderTest),
        "needs root and the binary"
    )
)
struct LabFaultHintTests {
    @Test("each fault, exactly as printed")
    func everyFault() throws {
        let lab = try HintLab()
        defer { lab.tearDown() }
        let list = try lxcdiag(["lab", "break", "--list"])
        #expect(list.status == 0)
        // Faults that need VLANs or netem run in the VM suite (probes/vm/vlan-suite.sh).
        let faults = list.standardOutput.split(separator: "\n").filter { !$0.contains("(needs ") }
            .compactMap { $0.split(separator: " ").first }.map(String.init)
        #expect(faults.count >= 19)
        for fault in faults {
            let broken = try lxcdiag(["lab", "break", fault, "--name", lab.name])
            try #require(broken.status == 0, "lab break \(fault): \(broken.standardError)")
            let hint = try #require(
                broken.standardOutput.split(separator: "\n").first { $0.hasPrefix("see it: ") },
                "lab break \(fault) printed no see-it line"
            )
            // "see it: lxcdiag trace --from ext --to ct1 --endpoints FILE   (expect CODE, exit 1)"
            let parts = hint.dropFirst("see it: ".count).components(separatedBy: "   (expect ")
            let words = parts[0].split(separator: " ").map(String.init)
            try #require(words.first == "lxcdiag", "\(hint)")
            let code = try #require(parts.last?.split(separator: ",").first.map(String.init))
            let text = try lxcdiag(Array(words.dropFirst()))
            #expect(text.status == 1, "\(fault): `\(parts[0])` exited \(text.status)\n\(text.standardOutput)")
            #expect(text.standardOutput.contains(code), "\(fault): the trace does not name \(code)")
            let json = try lxcdiag(Array(words.dropFirst()) + ["--json"])
            #expect(json.status == 1, "\(fault): --json exited \(json.status)")
            let document = try? JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any]
            let codes = (document?["findings"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
            #expect(codes.contains(code), "\(fault): --json findings \(codes) lack \(code)")
            let named = (document?["findings"] as? [[String: Any]] ?? []).first { $0["code"] as? String == code }
            let place = (named?["where"] as? [String: String]).map { "\($0["node"] ?? ""):\($0["interface"] ?? "")" }
            #expect(place == expectedHop[fault], "\(fault): \(code) at \(place ?? "nowhere")")

            // Every `fix:` line runs as printed and does what it promises: run the first one the trace prints,
            // trace again, until the trace is clean (a fix may uncover the next cause, such as the ARP entry an
            // ARP-flux fault left at the source), at most three rounds.
            var trace = text
            var ran: [String] = []
            for _ in 0..<3 where trace.status != 0 {
                guard let command = firstFixCommand(in: trace.standardOutput) else { break }
                let result = try runProcess("/bin/sh", ["-c", command], environment: guardedEnvironment())
                #expect(result.status == 0, "\(fault): `\(command)` failed: \(result.standardError)")
                ran.append(command)
                trace = try lxcdiag(Array(words.dropFirst()))
            }
            if !adviceOnly.contains(code) {
                #expect(!ran.isEmpty, "\(fault): the trace printed no fix: command for \(code)")
                #expect(
                    trace.status == 0,
                    "\(fault): after \(ran) the trace still exits \(trace.status)\n\(trace.standardOutput)"
                )
            }
            // lab fix undoes the rest (what a printed fix already undid may fail to be undone twice).
            let fixed = try lxcdiag(["lab", "fix", fault, "--name", lab.name])
            #expect(fixed.status == 0 || !ran.isEmpty, "lab fix \(fault): \(fixed.standardError)")
            // A trace from a host interface (iface:br0) is the host's: after the fix the host talks from its own
            // address again.
            let source = words[words.firstIndex(of: "--from")! + 1]
            let from = source.hasPrefix("iface:") ? "host" : source
            let to = words[words.firstIndex(of: "--to")! + 1]
            #expect(try lab.pings(from: from, to: to), "\(fault): ping \(from) -> \(to) fails after lab fix")
        }
        // A fix for a fault that is not applied says so and changes nothing.
        let again = try lxcdiag(["lab", "fix", "port-blocking", "--name", lab.name])
        #expect(again.status == 0)
        #expect(again.standardOutput == "port-blocking is not applied to lab \(lab.name); nothing to undo\n")
    }
}
