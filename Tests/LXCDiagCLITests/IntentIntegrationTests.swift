import Foundation
import TestSupport
import Testing

/// The `lxcdiag` executable SwiftPM builds next to the test bundle, run as a user runs it.
private enum Binary {
    static var path: String { LXCDiagExecutable.path }

    /// Runs `lxcdiag arguments...` with `LXCDIAG_ENDPOINTS` set to `endpoints` when given.
    static func run(_ arguments: [String], endpoints: String? = nil) throws -> (status: Int32, output: String) {
        try command([path] + arguments, endpoints: endpoints)
    }

    /// Runs `lxcdiag arguments...` and returns its standard error too.
    static func runWithError(
        _ arguments: [String],
        endpoints: String? = nil
    ) throws -> (status: Int32, output: String, error: String) {
        let errors = Pipe()
        let (status, output) = try command([path] + arguments, endpoints: endpoints, errors: errors)
        return (status, output, String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
    }

    /// Runs a command line (the first word through PATH) and returns its status and standard output.
    static func command(
        _ words: [String],
        endpoints: String? = nil,
        errors: Pipe? = nil
    ) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = words
        var environment = ProcessInfo.processInfo.environment
        if let endpoints { environment["LXCDIAG_ENDPOINTS"] = endpoints }
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = errors ?? FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }
}

/// A `lab up --no-lxc` lab with a unique name, brought down by `tearDown` (call it in a `defer`).
private struct NamespaceLab {
    let name: String
    var endpoints: String { "/run/lxcdiag/labs/\(name).endpoints.json" }

    init() throws {
        name = "lxcdiag-ti" + String(UInt32.random(in: 0..<UInt32.max), radix: 36)
        let (status, _) = try Binary.run(["lab", "up", "--no-lxc", "--name", name])
        if status != 0 { tearDown() }
        try #require(status == 0, "lab up \(name)")
    }

    /// Undoes the faults first: `lab down` removes the lab, and `fix --all` the record of its faults.
    func tearDown() {
        _ = try? Binary.run(["lab", "fix", "--all", "--name", name])
        _ = try? Binary.run(["lab", "down", "--name", name])
    }

    /// The address the lab registered for `endpoint` (the lab picks its own subnet).
    func address(of endpoint: String) throws -> String {
        let data = try #require(FileManager.default.contents(atPath: endpoints))
        let file = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let entries = try #require(file["endpoints"] as? [[String: Any]])
        return try #require(entries.first { $0["name"] as? String == endpoint }?["ip"] as? String)
    }

    func mac(of interface: String, in namespace: String) throws -> String {
        let (_, output) = try Binary.command(["ip", "-j", "-n", "\(name)-\(namespace)", "link", "show", interface])
        let links = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [[String: Any]])
        return try #require(links.first?["address"] as? String)
    }

    func path(_ from: String, _ to: String, endpoints: String? = nil) throws -> (Int32, [String: Any]) {
        let (status, output) = try Binary.run(
            ["path", "--from", from, "--to", to, "--json"],
            endpoints: endpoints ?? self.endpoints
        )
        return (status, try Binary.json(output))
    }

    func trace(_ from: String, _ to: String) throws -> (Int32, [[String: Any]]) {
        let (status, output) = try Binary.run(
            ["trace", "--from", from, "--to", to, "--json", "--no-kernel-drops"],
            endpoints: endpoints
        )
        return (status, try #require(try Binary.json(output)["findings"] as? [[String: Any]]))
    }
}

/// Each hop as `node:interface`.
private func hopNames(_ path: [String: Any]) -> [String] {
    ((path["hops"] as? [[String: Any]]) ?? []).map { "\($0["node"] ?? "?"):\($0["interface"] ?? "?")" }
}

/// The codes of the findings on hop `name` of a path document.
private func hopFindings(_ path: [String: Any], at name: String) -> [[String: Any]] {
    let hops = (path["hops"] as? [[String: Any]]) ?? []
    return hops.filter { "\($0["node"] ?? ""):\($0["interface"] ?? "")" == name }
        .flatMap { ($0["findings"] as? [[String: Any]]) ?? [] }
}

private func finding(_ findings: [[String: Any]], _ code: String) -> [String: Any]? {
    findings.first { $0["code"] as? String == code }
}

@Suite(
    "Intent first, in namespaces: a lost address and a wrong FDB entry are findings where they are",
    .serialized,
    .enabled(if: getuid() == 0, "builds labs of namespaces (root)")
)
struct IntentIntegrationTests {
    @Test("ct1 lost its address: path, trace --to ct1 and --to ip:ADDR run and name ADDRESS_NOT_CONFIGURED at ct1:eth0")
    func lostAddress() throws {
        let lab = try NamespaceLab()
        defer { lab.tearDown() }
        let address = try lab.address(of: "ct1")
        // One ping from ext's own stack first (inside the lab), so ext's neighbour table knows ct1's MAC.
        let (pinged, _) = try Binary.command([
            "ip", "netns", "exec", "\(lab.name)-ext", "ping", "-c", "1", "-W", "2", address,
        ])
        try #require(pinged == 0)
        let (broke, _) = try Binary.run(["lab", "break", "no-address", "--name", lab.name])
        try #require(broke == 0)

        // Named by its netns, ct1 has no endpoint-file address: ext's neighbour entry gives the last-known one.
        let (_, byNetns) = try lab.path("ext", "netns:\(lab.name)-ct1")
        let learned = (byNetns["to"] as? [String: Any])?["address_origin"] as? String
        #expect(learned?.hasPrefix("a neighbour entry in ext (\(address) lladdr ") == true, "\(learned ?? "none")")
        #expect(finding(hopFindings(byNetns, at: "ct1:eth0"), "ADDRESS_NOT_CONFIGURED") != nil)

        let (pathStatus, path) = try lab.path("ext", "ct1")
        #expect(pathStatus == 1)
        #expect(hopNames(path).last == "ct1:eth0")
        #expect((path["to"] as? [String: Any])?["address_origin"] as? String == "the endpoint file")
        let onPath = finding(hopFindings(path, at: "ct1:eth0"), "ADDRESS_NOT_CONFIGURED")
        #expect((onPath?["evidence"] as? [String])?.contains("\(address) from the endpoint file") == true)
        #expect(onPath?["fix"] as? String == "ip -n \(lab.name)-ct1 addr add \(address)/24 dev eth0")

        for target in ["ct1", "ip:\(address)"] {
            let (status, findings) = try lab.trace("ext", target)
            #expect(status == 1, "\(target)")
            let found = finding(findings, "ADDRESS_NOT_CONFIGURED")
            #expect((found?["where"] as? [String: String]) == ["node": "ct1", "interface": "eth0"], "\(target)")
            #expect((found?["evidence"] as? [String])?.contains("\(address) from the endpoint file") == true)
        }
        let (ipStatus, ipPath) = try lab.path("ext", "ip:\(address)")
        #expect(ipStatus == 1)
        #expect(hopNames(ipPath).last == "ct1:eth0")
        #expect(finding(hopFindings(ipPath, at: "ct1:eth0"), "ADDRESS_NOT_CONFIGURED") != nil)
    }

    @Test("an address nobody holds or is declared to hold: the segment is the target, and says nobody there holds it")
    func nobodyHolds() throws {
        let lab = try NamespaceLab()
        defer { lab.tearDown() }
        // An address in the lab's subnet that no endpoint has: the ext address with its last octet 250.
        let ext = try lab.address(of: "ext")
        let unheld = ext.split(separator: ".").dropLast().joined(separator: ".") + ".250"
        let (status, path) = try lab.path("ext", "ip:\(unheld)")
        #expect(status == 1)
        let found = finding(hopFindings(path, at: "ext:eth0"), "ADDRESS_NOT_CONFIGURED")
        #expect(found?["summary"] as? String == "nobody on the segment ext:eth0 leads to holds \(unheld)")
        let (traced, findings) = try lab.trace("ext", "ip:\(unheld)")
        #expect(traced == 1)
        #expect(finding(findings, "ADDRESS_NOT_CONFIGURED")?["summary"] as? String == found?["summary"] as? String)
    }

    @Test("a sticky FDB entry sends ct1's MAC to veth-ct2: the path still ends at ct1:eth0, and the printed fix works")
    func stickyFDB() throws {
        let lab = try NamespaceLab()
        defer { lab.tearDown() }
        let mac = try lab.mac(of: "eth0", in: "ct1")
        let host = "\(lab.name)-host"
        let (replaced, _) = try Binary.command([
            "bridge", "-n", host, "fdb", "replace", mac, "dev", "veth-ct2", "master", "static", "sticky",
        ])
        try #require(replaced == 0)

        let (status, path) = try lab.path("ext", "ct1")
        #expect(status == 1)
        let hops = hopNames(path)
        #expect(hops.suffix(3) == ["host:br0", "host:veth-ct1", "ct1:eth0"])
        #expect(!hops.contains { $0.hasPrefix("ct2:") || $0 == "host:veth-ct2" }, "\(hops)")
        let onPath = try #require(finding(hopFindings(path, at: "host:veth-ct1"), "FDB_WRONG_PORT"))
        #expect((onPath["evidence"] as? [String])?.first == "fdb \(mac) dev veth-ct2 master br0 static")

        let (traced, findings) = try lab.trace("ext", "ct1")
        #expect(traced == 1)
        let wrong = try #require(finding(findings, "FDB_WRONG_PORT"), "\(findings.map { $0["code"] ?? "" })")
        let fix = try #require(wrong["fix"] as? String)
        #expect(fix == "bridge -n \(host) fdb del \(mac) dev veth-ct2 master")
        #expect(fix == onPath["fix"] as? String)
        // The fix runs as printed.
        let (fixed, _) = try Binary.command(["sh", "-c", fix])
        #expect(fixed == 0)
        let (_, table) = try Binary.command(["bridge", "-n", host, "fdb", "show", "dev", "veth-ct2"])
        #expect(!table.lowercased().contains(mac.lowercased()), "\(table)")
        #expect(try lab.path("ext", "ct1").0 == 0)
    }

    @Test("two labs at once: each lab's endpoint file walks only its own namespaces; one short name twice gets two ids")
    func twoLabs() throws {
        let first = try NamespaceLab()
        defer { first.tearDown() }
        let second = try NamespaceLab()
        defer { second.tearDown() }
        let (broke, _) = try Binary.run(["lab", "break", "no-address", "--name", first.name])
        try #require(broke == 0)
        // The fault in the first lab is found there and blames nothing of the second, and the reverse.
        let (firstStatus, firstPath) = try first.path("ext", "ct1")
        #expect(firstStatus == 1)
        #expect(finding(hopFindings(firstPath, at: "ct1:eth0"), "ADDRESS_NOT_CONFIGURED") != nil)
        let (secondStatus, secondPath) = try second.path("ext", "ct1")
        #expect(secondStatus == 0)
        for path in [firstPath, secondPath] {
            let nodes = Set(hopNames(path).map { $0.split(separator: ":")[0] })
            #expect(nodes.isSubset(of: ["ext", "host", "ct1", "outside"]), "\(nodes)")
        }

        // An endpoint file naming the first lab's ct1 with the second lab's netns name: one short name for two
        // namespaces. Both get ids of their own in topo and path, and each resolves to its own namespace.
        let clash = "/tmp/\(second.name)-clash.endpoints.json"
        defer { try? FileManager.default.removeItem(atPath: clash) }
        let entry = ["name": "\(second.name)-ct1", "kind": "netns", "netns": "\(first.name)-ct1"]
        let file: [String: Any] = ["schema": "lxcdiag.endpoints/1", "endpoints": [entry]]
        try JSONSerialization.data(withJSONObject: file).write(to: URL(fileURLWithPath: clash))
        let (topoStatus, topo) = try Binary.run(["topo", "--json"], endpoints: clash)
        #expect(topoStatus == 0)
        let names = ((try Binary.json(topo)["namespaces"] as? [[String: Any]]) ?? []).compactMap {
            ($0["node"] as? [String: Any])?["name"] as? String
        }
        #expect(names.count == Set(names).count, "\(names)")
        let qualified = "\(second.name)-ct1@\(second.name)-ct1"
        #expect(names.contains("\(second.name)-ct1") && names.contains(qualified))
        let (dotStatus, dot) = try Binary.run(["topo", "--dot"], endpoints: clash)
        #expect(dotStatus == 0)
        #expect(dot.contains("\"\(qualified) (netns)\""))
        let (toSecond, secondCT1) = try first.path("netns:\(second.name)-ext", qualified, endpoints: clash)
        #expect(toSecond == 0)
        #expect(hopNames(secondCT1).last == "\(qualified):eth0")
        // The short name is the first lab's ct1, which lost its address, and this file declares none: the one
        // case that cannot be traced, and the message says how to give the address.
        let (toFirst, _, error) = try Binary.runWithError(
            ["path", "--from", "netns:\(first.name)-ext", "--to", "\(second.name)-ct1"],
            endpoints: clash
        )
        #expect(toFirst == 3)
        #expect(
            error.hasPrefix("lxcdiag: endpoint '\(second.name)-ct1': \(second.name)-ct1:eth0 holds no IPv4 address")
        )
        #expect(error.contains("--to ip:ADDR") && error.split(separator: "\n").count == 1, "\(error)")
        let firstAddress = try first.address(of: "ct1")
        let (byAddress, firstCT1) = try first.path("netns:\(first.name)-ext", "ip:\(firstAddress)", endpoints: clash)
        // Nothing in this file, no LXC config and no neighbour entry says who should hold it: the segment is the
        // target.
        #expect(byAddress == 1)
        let sender = "\(first.name)-ext:eth0"
        #expect(hopNames(firstCT1) == [sender])
        #expect(
            finding(hopFindings(firstCT1, at: sender), "ADDRESS_NOT_CONFIGURED")?["summary"] as? String
                == "nobody on the segment \(sender) leads to holds \(firstAddress)"
        )
    }
}

/// A container host `lab up` did not make: its own names, another subnet, no endpoint file, and a real LXC busybox
/// container whose config declares `lxc.net.0.ipv4.address`.
private struct HandBuiltLXCHost {
    let tag = String(UInt32.random(in: 0..<UInt32.max), radix: 36)
    var host: String { "lxcdiag-tx\(tag)-host" }
    var outside: String { "lxcdiag-tx\(tag)-out" }
    var container: String { "lxcdiag-tx\(tag)-web" }
    /// In the documentation range this test chooses for its own namespaces (no lab uses the .77 offset).
    let address = "203.0.113.77"
    let client = "203.0.113.71"

    static var lxcInstalled: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/lxc-create") }

    /// Builds it; on failure removes what was made and throws.
    init() throws {
        do { try build() } catch {
            tearDown()
            throw error
        }
    }

    private func build() throws {
        let steps: [[String]] = [
            ["ip", "netns", "add", host], ["ip", "netns", "add", outside],
            ["ip", "-n", host, "link", "set", "lo", "up"], ["ip", "-n", outside, "link", "set", "lo", "up"],
            ["ip", "-n", host, "link", "add", "br9", "type", "bridge"], ["ip", "-n", host, "link", "set", "br9", "up"],
            ["ip", "-n", outside, "link", "add", "o0", "type", "veth", "peer", "name", "up9", "netns", host],
            ["ip", "-n", host, "link", "set", "up9", "master", "br9"], ["ip", "-n", host, "link", "set", "up9", "up"],
            ["ip", "-n", outside, "addr", "add", "\(client)/24", "dev", "o0"],
            ["ip", "-n", outside, "link", "set", "o0", "up"],
            ["timeout", "120", "lxc-create", "-t", "busybox", "-n", container],
        ]
        for step in steps { try Self.check(step) }
        let folder = "/var/lib/lxc/\(container)"
        let config = try String(contentsOfFile: "\(folder)/config", encoding: .utf8)
        let lines =
            config.split(separator: "\n").filter { !$0.hasPrefix("lxc.net.") }.map(String.init) + [
                "lxc.net.0.type = veth", "lxc.net.0.veth.pair = tx\(tag)", "lxc.net.0.link = br9",
                "lxc.net.0.name = eth0", "lxc.net.0.flags = up", "lxc.net.0.ipv4.address = \(address)/24 203.0.113.255",
            ]
        try (lines.joined(separator: "\n") + "\n").write(toFile: "\(folder)/config", atomically: true, encoding: .utf8)
        // busybox's udhcpc would flush the static address when no DHCP server answers.
        let rc = try String(contentsOfFile: "\(folder)/rootfs/etc/init.d/rcS", encoding: .utf8)
        try rc.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.contains("udhcpc") }
            .joined(separator: "\n").write(toFile: "\(folder)/rootfs/etc/init.d/rcS", atomically: true, encoding: .utf8)
        try Self.check(["timeout", "60", "ip", "netns", "exec", host, "lxc-start", "-n", container])
    }

    func tearDown() {
        _ = try? Binary.command(["timeout", "30", "ip", "netns", "exec", host, "lxc-stop", "-k", "-n", container])
        _ = try? Binary.command(["timeout", "30", "lxc-destroy", "-f", "-n", container])
        for namespace in [host, outside] { _ = try? Binary.command(["ip", "netns", "del", namespace]) }
    }

    /// The container's init, once LXC has started it (bounded: 50 tries, 100 ms apart).
    func initPID() throws -> String {
        for _ in 0..<50 {
            let (_, output) = try Binary.command(["ip", "netns", "exec", host, "lxc-info", "-p", "-H", "-n", container])
            let pid = output.trimmingCharacters(in: .whitespacesAndNewlines)
            if !pid.isEmpty, Int(pid) != nil { return pid }
            usleep(100_000)
        }
        throw HandBuiltError(step: "lxc-info -p \(container)")
    }

    private static func check(_ words: [String]) throws {
        guard try Binary.command(words).status == 0 else { throw HandBuiltError(step: words.joined(separator: " ")) }
    }
}

private struct HandBuiltError: Error, CustomStringConvertible {
    var step: String
    var description: String { "building the hand-made LXC host failed at: \(step)" }
}

@Suite(
    "A hand-built LXC host with no endpoint file: the address comes from the container's LXC config",
    // One host at a time: each holds the same address, and `ip:ADDR` searches every namespace.
    .serialized,
    .enabled(if: getuid() == 0 && HandBuiltLXCHost.lxcInstalled, "builds namespaces and an LXC container (root)")
)
struct HandBuiltLXCTests {
    @Test("the container lost its address: path and trace name ADDRESS_NOT_CONFIGURED from lxc.net.0.ipv4.address")
    func lostAddress() throws {
        let site = try HandBuiltLXCHost()
        defer { site.tearDown() }
        let pid = try site.initPID()
        let none = "/tmp/\(site.container)-no-endpoints.json"
        let base = ["-n", site.host, "--from", "netns:\(site.outside)"]
        let healthy = try Binary.run(["path"] + base + ["--to", site.container], endpoints: none)
        #expect(healthy.status == 0, "\(healthy.output)")
        let (flushed, _) = try Binary.command([
            "nsenter", "--net=/proc/\(pid)/ns/net", "ip", "addr", "flush", "dev", "eth0",
        ])
        try #require(flushed == 0)

        let origin = "lxc.net.0.ipv4.address in /var/lib/lxc/\(site.container)/config"
        let (status, output) = try Binary.run(["path"] + base + ["--to", site.container, "--json"], endpoints: none)
        #expect(status == 1)
        let path = try Binary.json(output)
        #expect((path["to"] as? [String: Any])?["address_origin"] as? String == origin)
        #expect((path["to"] as? [String: Any])?["ip"] as? String == site.address)
        #expect(hopNames(path).last == "\(site.container):eth0")
        let onPath = finding(hopFindings(path, at: "\(site.container):eth0"), "ADDRESS_NOT_CONFIGURED")
        #expect((onPath?["evidence"] as? [String])?.contains("\(site.address) from \(origin)") == true)

        for target in [site.container, "ip:\(site.address)"] {
            let (traced, document) = try Binary.run(
                ["trace"] + base + ["--to", target, "--json", "--no-kernel-drops"],
                endpoints: none
            )
            #expect(traced == 1, "\(target)")
            let findings = try #require(try Binary.json(document)["findings"] as? [[String: Any]])
            let found = try #require(finding(findings, "ADDRESS_NOT_CONFIGURED"), "\(target)")
            #expect((found["where"] as? [String: String]) == ["node": site.container, "interface": "eth0"])
            let fix = try #require(found["fix"] as? String)
            #expect(fix == "nsenter --net=/proc/\(pid)/ns/net ip addr add \(site.address)/24 dev eth0")
        }
        // The fix runs as printed, and then the container answers.
        let fix = "nsenter --net=/proc/\(pid)/ns/net ip addr add \(site.address)/24 dev eth0"
        #expect(try Binary.command(["sh", "-c", fix]).status == 0)
        let (after, _) = try Binary.run(
            ["trace"] + base + ["--to", site.container, "--json", "--no-kernel-drops"],
            endpoints: none
        )
        #expect(after == 0)
    }

    @Test("a sticky FDB entry sends the container's MAC to the uplink: trace names FDB_WRONG_PORT, the fix works")
    func stickyFDB() throws {
        let site = try HandBuiltLXCHost()
        defer { site.tearDown() }
        let pid = try site.initPID()
        let none = "/tmp/\(site.container)-no-endpoints.json"
        let base = ["-n", site.host, "--from", "netns:\(site.outside)", "--to", site.container]
        let (_, link) = try Binary.command(["nsenter", "--net=/proc/\(pid)/ns/net", "ip", "-j", "link", "show", "eth0"])
        let links = try JSONSerialization.jsonObject(with: Data(link.utf8)) as? [[String: Any]]
        let mac = try #require(links?.first?["address"] as? String)
        let (made, _) = try Binary.command([
            "bridge", "-n", site.host, "fdb", "replace", mac, "dev", "up9", "master", "static", "sticky",
        ])
        try #require(made == 0)

        let (pathStatus, pathOutput) = try Binary.run(["path"] + base + ["--json"], endpoints: none)
        #expect(pathStatus == 1)
        // Intent: the container's own veth, not the port the wrong entry names.
        let hops = hopNames(try Binary.json(pathOutput))
        #expect(hops.last == "\(site.container):eth0")
        #expect(hops.dropLast().last?.hasSuffix(":tx\(site.tag)") == true, "\(hops)")
        let (traced, document) = try Binary.run(["trace"] + base + ["--json", "--no-kernel-drops"], endpoints: none)
        #expect(traced == 1)
        let findings = try #require(try Binary.json(document)["findings"] as? [[String: Any]])
        let found = try #require(finding(findings, "FDB_WRONG_PORT"), "\(findings.map { $0["code"] ?? "" })")
        let fix = try #require(found["fix"] as? String)
        #expect(fix == "bridge -n \(site.host) fdb del \(mac) dev up9 master")
        #expect(try Binary.command(["sh", "-c", fix]).status == 0)
        let (after, _) = try Binary.run(["trace"] + base + ["--json", "--no-kernel-drops"], endpoints: none)
        #expect(after == 0)
    }
}
