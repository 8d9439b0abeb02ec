import Foundation
import Glibc
import LinuxNet
import TestSupport
import Testing

/// Runs `lxcdiag ARGS` (or the words after `lxcdiag` of a printed command) with the guard that refuses to send
/// in this namespace; at most `seconds` (an engine lab's `up` starts a daemon on a loaded machine).
private func lxcdiag(_ arguments: [String], seconds: Double = 240) throws -> BadInputRun {
    var environment = guardedEnvironment()
    environment.removeValue(forKey: "LXCDIAG_ENDPOINTS")
    return try runProcess(binaryUnderTest, arguments, environment: environment, seconds: seconds)
}

/// Whether the kernel's own `ping` from namespace `netns` gets an answer from `address`.
private func kernelPing(in netns: String, _ address: String) throws -> Bool {
    let run = try ExternalCommand.run(["ip", "netns", "exec", netns, "ping", "-c", "1", "-W", "2", address])
    return run.status == 0
}

/// What an engine lab leaves when it is gone: its namespaces, state and endpoint files, the engine's folder,
/// processes started from that folder or running in it (a container's root is an overlay under it), mounts
/// under it, and its engine registration.
private func leftovers(of lab: String, engine: String) -> [String] {
    let folder = "/run/lxcdiag/labs/\(lab).\(engine)"
    var left = ((try? ExternalCommand.check(["ip", "netns", "list"])) ?? "").split(separator: "\n")
        .map { String($0.split(separator: " ").first ?? "") }.filter { $0.hasPrefix(lab + "-") }
    for path in [
        folder, "/run/lxcdiag/labs/\(lab).json", "/run/lxcdiag/labs/\(lab).endpoints.json",
        "/run/lxcdiag/engines/lab-\(lab).json",
    ] where FileManager.default.fileExists(atPath: path) {
        left.append(path)
    }
    left += engineFolderLeftovers(folder)
    return left.sorted()
}

/// The plan's result lines (`reach ext->ct1  pass ...`) by expectation.
private func planResults(_ output: String) -> [(expectation: String, passed: Bool, line: String)] {
    output.split(separator: "\n").compactMap { line in
        let text = String(line)
        guard let result = [" pass ", " FAIL ", " ERROR "].first(where: text.contains) else { return nil }
        let expectation = text.components(separatedBy: result)[0].trimmingCharacters(in: .whitespaces)
        return (expectation, result == " pass ", text)
    }
}

@Suite(
    "lab up --engine: the seed's wiring with another engine's containers, traced, broken and removed for real",
    .serialized,
    .enabled(
        if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: binaryUnderTest),
        "needs root and the binary"
    )
)
struct EngineLabTests {
    @Test(
        "Docker: lab up --engine docker; trace ext -> ct1 REACHABLE as ping; port-blocking seen as printed; plan; down leaves nothing",
        .enabled(
            if: FileManager.default.isExecutableFile(atPath: "/usr/sbin/dockerd")
                && FileManager.default.isExecutableFile(atPath: "/usr/bin/docker"),
            "Debian's docker.io is not installed"
        )
    )
    func docker() throws {
        let lab = "lxen-d" + String(UInt32.random(in: 0..<UInt32.max), radix: 36)
        // Listing the networks through the lab's own daemon, by its socket.
        let list = ["/usr/bin/docker", "-H", "unix:///run/lxcdiag/labs/\(lab).docker/docker.sock", "ps", "--format"]
        // dockerd turns br_netfilter on with FORWARD policy drop and accepts br0's own traffic ahead of it
        // (`iifname br0 oifname br0 accept`): doctor must see that, so no_findings passes here too.
        try engineLab("docker", lab: lab, list: list + ["{{.Names}} {{.Networks}}"])
    }

    @Test(
        "Podman: lab up --engine podman; trace ext -> ct1 REACHABLE as ping; port-blocking seen as printed; plan; down leaves nothing",
        .enabled(
            if: FileManager.default.isExecutableFile(atPath: "/usr/bin/podman")
                && FileManager.default.isExecutableFile(atPath: "/usr/sbin/runc"),
            "podman and runc are not installed"
        )
    )
    func podman() throws {
        let lab = "lxen-p" + String(UInt32.random(in: 0..<UInt32.max), radix: 36)
        let folder = "/run/lxcdiag/labs/\(lab).podman"
        let list = [
            "nsenter", "--net=/run/netns/\(lab)-host", "/usr/bin/podman", "--root", "\(folder)/storage", "--runroot",
            "\(folder)/run", "--network-config-dir", "\(folder)/networks", "--runtime", "runc", "--cgroup-manager",
            "cgroupfs", "--events-backend", "file", "ps", "--format", "{{.Names}} {{.Networks}}",
        ]
        try engineLab("podman", lab: lab, list: list)
    }

    /// Builds lab `lab` with `engine`, traces, pings, breaks and fixes it, runs the veth plan, and removes it.
    /// `list` prints each container's name and networks by the engine's own tool.
    private func engineLab(_ engine: String, lab: String, list: [String]) throws {
        try withEngineTestLock { try engineLabLocked(engine, lab: lab, list: list) }
    }

    private func engineLabLocked(_ engine: String, lab: String, list: [String]) throws {
        let endpoints = "/run/lxcdiag/labs/\(lab).endpoints.json"
        let before = RootNamespaceState.read()
        let namespaceFiles = Set((try? FileManager.default.contentsOfDirectory(atPath: "/run/netns")) ?? [])
        defer { _ = try? lxcdiag(["lab", "down", "--name", lab]) }

        let up = try lxcdiag(["lab", "up", "--engine", engine, "--name", lab])
        try #require(up.status == 0, "lab up: \(up.standardError)")
        #expect(up.standardOutput.contains("\(engine.prefix(1).uppercased() + engine.dropFirst()) containers"))

        // The endpoint file names the containers by Docker's own names, and Docker knows them by those.
        let registry = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: endpoints)))
        let entries = ((registry as? [String: Any])?["endpoints"] as? [[String: Any]]) ?? []
        let ct1 = try #require(entries.first { $0["name"] as? String == "ct1" })
        #expect(ct1["kind"] as? String == engine && ct1["container"] as? String == "\(lab)-ct1")
        let names = try ExternalCommand.check(list, timeoutSeconds: 60)
        for member in ["ct1", "ct2"] { #expect(names.contains("\(lab)-\(member) \(lab)-bridge"), "\(names)") }
        for member in ["ct3", "ct4"] { #expect(names.contains("\(lab)-\(member) \(lab)-macvlan"), "\(names)") }

        let status = try lxcdiag(["lab", "status", "--name", lab])
        #expect(
            status.status == 0 && status.standardOutput.contains("\(engine) \(lab)-ct1"),
            "\(status.standardOutput)"
        )

        // The trace's verdict and the kernel's own ping agree, by the lab's name and by Docker's.
        let address = try #require(ct1["ip"] as? String)
        for target in ["ct1", "\(engine):\(lab)-ct1"] {
            let trace = try lxcdiag(["trace", "--from", "ext", "--to", target, "--endpoints", endpoints])
            #expect(trace.status == 0, "trace to \(target): \(trace.standardOutput)\(trace.standardError)")
            #expect(trace.standardOutput.contains("REACHABLE"), "\(trace.standardOutput)")
            #expect(trace.standardOutput.contains("host:veth-ct1"), "the path crosses ct1's veth on br0")
        }
        #expect(try kernelPing(in: "\(lab)-ext", address))

        // A fault made for real, seen exactly as `lab break` prints it, and undone.
        let broken = try lxcdiag(["lab", "break", "port-blocking", "--name", lab])
        try #require(broken.status == 0, "\(broken.standardError)")
        let hint = try #require(broken.standardOutput.split(separator: "\n").first { $0.hasPrefix("see it: ") })
        let parts = hint.dropFirst("see it: ".count).components(separatedBy: "   (expect ")
        let code = try #require(parts.last?.split(separator: ",").first.map(String.init))
        let seen = try lxcdiag(Array(parts[0].split(separator: " ").map(String.init).dropFirst()))
        #expect(seen.status == 1 && seen.standardOutput.contains(code), "\(hint)\n\(seen.standardOutput)")
        #expect(!(try kernelPing(in: "\(lab)-ext", address)), "the blocked port stops the kernel's ping too")
        let fixed = try lxcdiag(["lab", "fix", "port-blocking", "--name", lab])
        #expect(fixed.status == 0, "\(fixed.standardError)")
        #expect(try kernelPing(in: "\(lab)-ext", address))

        // The lab's veth plan: every reach, MTU, latency, TCP, UDP and uniqueness expectation passes, and its
        // no_findings line too.
        let plan = try lxcdiag(["check", "probes/lab-veth.yaml", "--endpoints", endpoints])
        let results = planResults(plan.standardOutput)
        #expect(results.count == 11, "\(plan.standardOutput)")
        for result in results { #expect(result.passed, "\(result.line)") }
        #expect(plan.status == 0, "\(plan.standardOutput)")

        let down = try lxcdiag(["lab", "down", "--name", lab])
        #expect(down.status == 0, "\(down.standardError)")
        // Bounded: the daemon's exit and its shims' take a moment on a loaded machine.
        var left = leftovers(of: lab, engine: engine)
        for _ in 0..<50 where !left.isEmpty {
            usleep(200_000)
            left = leftovers(of: lab, engine: engine)
        }
        #expect(left == [])
        // Podman's containers' namespace files live in /run/netns (netns-UUID).
        let namespaceFilesAfter = Set((try? FileManager.default.contentsOfDirectory(atPath: "/run/netns")) ?? [])
        #expect(namespaceFilesAfter.subtracting(namespaceFiles).filter { $0.hasPrefix("netns-") } == [])
        #expect(RootNamespaceState.read() == before)
    }

    @Test("an engine that is not installed: one line, exit 3; an unknown one: usage, exit 2")
    func missingEngine() throws {
        let unknown = try lxcdiag(["lab", "up", "--engine", "rkt", "--name", "lxen-x"])
        #expect(
            unknown.status == 2 && unknown.standardError.contains("unknown engine 'rkt'"),
            "\(unknown.standardError)"
        )
        guard !FileManager.default.isExecutableFile(atPath: "/usr/sbin/dockerd") else { return }
        let missing = try lxcdiag(["lab", "up", "--engine", "docker", "--name", "lxen-x"])
        #expect(missing.status == 3, "\(missing.standardError)")
        #expect(missing.standardError.split(separator: "\n").count == 1)
    }
}
