import Foundation
import Glibc
import LinuxNet
import PacketCodec
import TestSupport
import Testing

/// The lxcdiag binary `swift build` put next to the test bundle.
let binary = LXCDiagExecutable.path

func lxcdiag(_ arguments: String...) throws -> CommandOutput {
    try ExternalCommand.run([binary] + arguments, timeoutSeconds: 60)
}

@Suite(
    "lxcdiag arp command line",
    .enabled(if: FileManager.default.isExecutableFile(atPath: binary), "needs the built lxcdiag binary")
)
struct CLITests {
    @Test("help teaches: every subcommand has an abstract and an example")
    func help() throws {
        let top = try lxcdiag("arp", "--help")
        for name in ["ping", "scan", "dad", "announce", "watch"] { #expect(top.standardOutput.contains(name)) }
        for name in ["ping", "scan", "dad", "announce", "watch"] {
            let text = try lxcdiag("arp", name, "--help").standardOutput
            #expect(text.contains("Example:") || text.contains("Examples:"), "arp \(name) --help")
            #expect(text.contains("lxcdiag arp \(name)"), "arp \(name) --help")
        }
    }

    @Test("usage errors exit 2 naming the problem")
    func usageErrors() throws {
        let wide = try lxcdiag("arp", "scan", "10.0.0.0/8")
        #expect(wide.status == 2)
        #expect(wide.standardError.contains("--force"))
        let bad = try lxcdiag("arp", "ping", "192.0.2.300")
        #expect(bad.status == 2)
        #expect(bad.standardError.contains("192.0.2.300"))
        let vlan = try lxcdiag("arp", "ping", "192.0.2.1", "--vlan", "5000")
        #expect(vlan.status == 2)
        let malformed = try lxcdiag("arp", "dad", "192.0.2.1", "--from", "pid:notanumber")
        #expect(malformed.status == 2)
        #expect(malformed.standardError.contains("pid:notanumber"))
    }

    @Test(
        "unknown endpoints and namespaces are one-line usage errors naming them",
        .enabled(if: getuid() == 0, "needs root")
    )
    func unknownPlaces() throws {
        let file = NSTemporaryDirectory() + "lxcdiag-t-noendpoints-\(getpid()).json"
        let unknown = try lxcdiag("arp", "ping", "192.0.2.1", "--from", "nope", "--endpoints", file)
        #expect(unknown.status == 2)
        #expect(unknown.standardError.hasPrefix("lxcdiag: unknown endpoint 'nope'"))
        let missing = try lxcdiag("arp", "ping", "192.0.2.1", "--from", "netns:lxcdiag-no-such-ns", "-I", "eth0")
        // A well-formed name of a namespace that does not exist is the environment's (3).
        #expect(missing.status == 3)
        #expect(missing.standardError.contains("lxcdiag-no-such-ns"))
        #expect(missing.standardError.split(separator: "\n").count == 1)
    }

    @Test("arp scan --json follows lxcdiag.arpscan/1 field by field", .enabled(if: getuid() == 0, "needs root"))
    func scanJSON() throws {
        let lab = try ARPLab()
        defer { lab.tearDown() }
        try lab.addNode("scanner", addresses: ["198.51.100.1/28"])
        try lab.addNode("r1", addresses: ["198.51.100.2/28"])
        try lab.addNode("r2", addresses: ["198.51.100.2/28"])
        let output = try lxcdiag("arp", "scan", "198.51.100.0/28", "-n", lab.namespace("scanner"), "--json")
        #expect(output.status == 0)
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(output.standardOutput.utf8)) as? [String: Any]
        )
        #expect(document["schema"] as? String == "lxcdiag.arpscan/1")
        #expect(document["interface"] as? String == "eth0")
        let responders = try #require(document["responders"] as? [[String: Any]])
        #expect(responders.count == 2)
        for responder in responders {
            #expect(Set(responder.keys) == ["ip", "mac", "rtt_ns", "vendor", "locally_administered"])
            #expect(responder["locally_administered"] as? Bool == true)
            #expect(responder["ip"] as? String == "198.51.100.2")
            #expect(responder["rtt_ns"] is Int)
            #expect(responder["vendor"] is NSNull)
        }
        let macs = Set([try lab.mac(of: "r1").description, try lab.mac(of: "r2").description])
        #expect(Set(responders.compactMap { $0["mac"] as? String }) == macs)
        let duplicates = try #require(document["duplicates"] as? [[String: Any]])
        #expect(duplicates.count == 1)
        #expect(duplicates.first?["ip"] as? String == "198.51.100.2")
        #expect(Set(duplicates.first?["macs"] as? [String] ?? []) == macs)
    }
}

@Suite(
    "lxcdiag arp watch command line",
    .enabled(if: FileManager.default.isExecutableFile(atPath: binary) && getuid() == 0, "needs root and the binary")
)
struct WatchCLITests {
    @Test("arp watch --all-namespaces --json reports an announcement from another namespace, then ends by itself")
    func watchJSONLines() throws {
        let lab = try ARPLab()
        defer { lab.tearDown() }
        try lab.addNode("watcher", addresses: ["198.51.100.1/24"])
        try lab.addNode("a", addresses: ["198.51.100.41/24"])
        let box = OutputBox()
        let done = DispatchSemaphore(value: 0)
        let watcher = lab.namespace("watcher")
        DedicatedThread.start(name: "lxcdiag arp watch") {
            box.output = try? ExternalCommand.run(
                [binary, "arp", "watch", "-n", watcher, "--all-namespaces", "--duration", "2s", "--json"],
                timeoutSeconds: 30
            )
            done.signal()
        }
        usleep(800_000)
        let announce = try lxcdiag("arp", "announce", "-n", lab.namespace("a"), "-I", "eth0", "-c", "1")
        #expect(announce.status == 0, "\(announce.standardError)")
        done.wait()
        let output = try #require(box.output)
        #expect(output.status == 0)
        let lines = output.standardOutput.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        // Other tests' namespaces may use the same address; only node a's MAC is this test's station.
        let station = try lab.mac(of: "a").description
        let about = lines.filter { $0["ip"] as? String == "198.51.100.41" && $0["mac"] as? String == station }
        let kinds = Set(about.compactMap { $0["event"] as? String })
        #expect(kinds.isSuperset(of: ["gratuitous", "new-station"]))
        let places = Set(about.compactMap { $0["location"] as? String })
        // One event per happening however many lab interfaces saw it (the sender's, the bridge port, the watcher's).
        #expect(places.count == 1)
        // -n makes the watcher's namespace `host`; it is watched once, under that name.
        #expect(places.allSatisfy { $0 == "host/eth0" || $0.hasPrefix("netns:\(lab.prefix)-") }, "seen at \(places)")
        #expect(!places.contains("netns:\(watcher)/eth0"))
        #expect(about.filter { $0["event"] as? String == "gratuitous" }.count == 1)
        #expect(about.allSatisfy { $0["schema"] as? String == "lxcdiag.arpwatch/1" && $0["mac"] is String })
    }
}

/// Hands a command's output from the thread that ran it. Safe: written before `signal()`, read after `wait()`.
private final class OutputBox: @unchecked Sendable {
    var output: CommandOutput?
}

@Suite(
    "lxcdiag arp on the built-in lab with LXC containers",
    .enabled(
        if: FileManager.default.isExecutableFile(atPath: binary) && getuid() == 0
            && ExternalCommand.locate("lxc-create") != nil,
        "needs root, LXC and the binary"
    )
)
struct LabCLITests {
    @Test("scan from ext, ping from a registered container and by LXC name, DAD from a container")
    func fromContainers() throws {
        let name = "lxcdiag-tarp" + String(UInt32.random(in: 0..<UInt32.max), radix: 36)
        let endpoints = "/run/lxcdiag/labs/\(name).endpoints.json"
        defer { _ = try? lxcdiag("lab", "down", "--name", name) }
        let up = try lxcdiag("lab", "up", "--name", name, "--lxc")
        try #require(up.status == 0, "lab up: \(up.standardError)")

        // The lab picked its own subnet (one the machine does not use): read its addresses from its endpoints.
        let registered = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: endpoints))) as? [String: Any]
        )
        var ip: [String: String] = [:]
        for entry in registered["endpoints"] as? [[String: Any]] ?? [] {
            if let name = entry["name"] as? String, let address = entry["ip"] as? String { ip[name] = address }
        }
        let ct = try (1...4).map { try #require(ip["ct\($0)"]) }
        let subnet = try #require(ip["ext"]).split(separator: ".").dropLast().joined(separator: ".")
        let scan = try lxcdiag("arp", "scan", "\(subnet).0/24", "--from", "ext", "--endpoints", endpoints, "--json")
        #expect(scan.status == 0)
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(scan.standardOutput.utf8)) as? [String: Any]
        )
        let found = Set((document["responders"] as? [[String: Any]] ?? []).compactMap { $0["ip"] as? String })
        #expect(found.isSuperset(of: [try #require(ip["host"])] + ct))

        // ct3 is a macvlan child of br0 in an LXC container; ct1 is reached over br0 and its veth.
        let fromMacvlan = try lxcdiag(
            "arp",
            "ping",
            ct[0],
            "--from",
            "ct3",
            "--endpoints",
            endpoints,
            "-c",
            "2",
            "-i",
            "0.1",
            "--json"
        )
        #expect(fromMacvlan.status == 0)
        let ping = try #require(
            try JSONSerialization.jsonObject(with: Data(fromMacvlan.standardOutput.utf8)) as? [String: Any]
        )
        #expect((ping["replies"] as? [Any])?.count == 2)
        #expect(ping["interface"] as? String == "eth0")

        // The container's LXC name, found through the shared resolver rather than the endpoint file.
        let byName = try lxcdiag(
            "arp",
            "ping",
            ct[2],
            "--from",
            "\(name)-ct1",
            "--endpoints",
            endpoints,
            "-c",
            "1"
        )
        #expect(byName.status == 0, "\(byName.standardError)")

        let dad = try lxcdiag(
            "arp",
            "dad",
            ct[1],
            "--from",
            "ct1",
            "--endpoints",
            endpoints,
            "-c",
            "1",
            "--wait",
            "0.3"
        )
        #expect(dad.status == 1)
        #expect(dad.standardOutput.contains("\(ct[1]) is in use"))
        let free = try lxcdiag(
            "arp",
            "dad",
            "\(subnet).99",
            "--from",
            "ct1",
            "--endpoints",
            endpoints,
            "-c",
            "1",
            "--wait",
            "0.3"
        )
        #expect(free.status == 0)
    }
}
