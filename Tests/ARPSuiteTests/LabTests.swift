import ARPSuite
import Foundation
import Glibc
import LinuxNet
import PacketCodec
import Testing

private func address(_ text: String) -> IPv4Address { IPv4Address(text)! }

/// Opens the scanner's link in `lab`.
private func scannerLink(_ lab: ARPLab, vlan: UInt16? = nil, source: IPv4Address? = nil) throws -> ARPLink {
    try ARPLink.open(
        at: VantagePoint(label: "scanner", namespace: .named(lab.namespace("scanner"))),
        interface: "eth0",
        towards: nil,
        vlan: vlan,
        source: source
    )
}

@Suite("ARP suite in lab namespaces", .enabled(if: getuid() == 0, "needs root"), .serialized)
struct LabTests {
    @Test("arp ping gets the kernel's reply from the right MAC, and silence from an unused address")
    func ping() throws {
        let lab = try ARPLab()
        defer { lab.tearDown() }
        try lab.addNode("scanner", addresses: ["198.51.100.1/24"])
        try lab.addNode("r1", addresses: ["198.51.100.11/24"])
        let link = try scannerLink(lab)
        #expect(link.ip == address("198.51.100.1"))
        #expect(link.mac == (try lab.mac(of: "scanner")))
        let plan = PingPlan(target: address("198.51.100.11"), count: 3, intervalNs: 50_000_000, deadlineNs: nil)
        let report = try arpPing(on: link, plan)
        #expect(report.sent == 3)
        #expect(report.replies.count == 3)
        #expect(report.macs == [try lab.mac(of: "r1")])
        let silent = try arpPing(
            on: link,
            PingPlan(target: address("198.51.100.99"), count: 2, intervalNs: 50_000_000, deadlineNs: nil)
        )
        #expect(!silent.answered)
        #expect(silent.sent == 2)
    }

    @Test("arp scan finds every responder, flags the duplicate and tells ARP flux apart")
    func scan() throws {
        let lab = try ARPLab()
        defer { lab.tearDown() }
        try lab.addNode("scanner", addresses: ["198.51.100.1/24"])
        for index in 1...4 { try lab.addNode("r\(index)", addresses: ["198.51.100.\(10 + index)/24"]) }
        try lab.addNode("dup", addresses: ["198.51.100.11/24"])
        // One host, two interfaces on the segment, Linux defaults (arp_ignore=0): each answers for both.
        try lab.addNode("flux", addresses: ["198.51.100.21/24", "198.51.100.22/24"])
        let link = try scannerLink(lab)
        for policy in RetryPolicy.allCases {
            let report = try arpScan(
                on: link,
                ScanPlan(network: IPv4Network("198.51.100.0/27")!, ratePerSecond: 1000, policy: policy)
            )
            let found = Set(report.table.responders.map { "\($0.ip) \($0.mac)" })
            var expected: Set<String> = []
            for index in 1...4 { expected.insert("198.51.100.\(10 + index) \(try lab.mac(of: "r\(index)"))") }
            expected.insert("198.51.100.11 \(try lab.mac(of: "dup"))")
            for flux in ["198.51.100.21", "198.51.100.22"] {
                expected.insert("\(flux) \(try lab.mac(of: "flux", "eth0"))")
                expected.insert("\(flux) \(try lab.mac(of: "flux", "eth1"))")
            }
            #expect(found == expected, "policy \(policy)")
            let conflicts = Dictionary(
                uniqueKeysWithValues: report.table.conflicts.map { ($0.ip.description, $0.cause) }
            )
            #expect(conflicts == ["198.51.100.11": .duplicate, "198.51.100.21": .flux, "198.51.100.22": .flux])
            #expect(report.table.responders.allSatisfy { $0.rttNs != nil })
            // 30 addresses less our own, each asked at least once; too few responders to skip retries.
            #expect(report.framesSent >= 29 + (29 - 7))
        }
    }

    @Test("arp dad names the station holding an address and passes a free one")
    func duplicateAddressDetection() throws {
        let lab = try ARPLab()
        defer { lab.tearDown() }
        try lab.addNode("scanner", addresses: [""])
        try lab.addNode("r1", addresses: ["198.51.100.11/24"])
        let link = try scannerLink(lab)
        #expect(link.ip == .any)
        let taken = try detectAddressConflict(
            on: link,
            address: address("198.51.100.11"),
            probes: 2,
            intervalNs: 100_000_000,
            waitNs: 200_000_000
        )
        #expect(taken.claims == [AddressClaim(mac: try lab.mac(of: "r1"), evidence: .claims)])
        let free = try detectAddressConflict(
            on: link,
            address: address("198.51.100.12"),
            probes: 2,
            intervalNs: 100_000_000,
            waitNs: 200_000_000
        )
        #expect(!free.inUse)
        #expect(free.probesSent == 2)
    }

    @Test("arp dad reports another station probing for the same address at the same time")
    func simultaneousProbe() throws {
        let lab = try ARPLab()
        defer { lab.tearDown() }
        try lab.addNode("scanner", addresses: [""])
        try lab.addNode("rival", addresses: [""])
        let rivalMAC = try lab.mac(of: "rival")
        let wanted = address("198.51.100.77")
        let rival = try ARPLink.open(
            at: VantagePoint(label: "rival", namespace: .named(lab.namespace("rival"))),
            interface: "eth0",
            towards: nil,
            vlan: nil
        )
        DedicatedThread.start(name: "rival prober") {
            usleep(150_000)
            _ = try? rival.send(ARPFrame.probe(for: wanted, from: rivalMAC))
        }
        let report = try detectAddressConflict(
            on: try scannerLink(lab),
            address: wanted,
            probes: 3,
            intervalNs: 100_000_000,
            waitNs: 300_000_000
        )
        #expect(report.claims == [AddressClaim(mac: rivalMAC, evidence: .probing)])
    }

    @Test("arp announce updates a neighbour's cache entry to the new MAC")
    func announce() throws {
        let lab = try ARPLab()
        defer { lab.tearDown() }
        try lab.addNode("scanner", addresses: ["198.51.100.1/24"])
        try lab.addNode("moved", addresses: ["198.51.100.30/24"])
        // The neighbour still believes the address lives at the old MAC.
        try lab.ip(
            "scanner",
            "neigh",
            "replace",
            "198.51.100.30",
            "lladdr",
            "02:00:00:00:00:99",
            "dev",
            "eth0",
            "nud",
            "stale"
        )
        let link = try ARPLink.open(
            at: VantagePoint(label: "moved", namespace: .named(lab.namespace("moved"))),
            interface: "eth0",
            towards: nil,
            vlan: nil
        )
        let frames = try announceAddress(
            on: link,
            address: address("198.51.100.30"),
            form: .both,
            count: 1,
            intervalNs: 0
        )
        #expect(frames == 2)
        let newMAC = try lab.mac(of: "moved")
        var entry = ""
        for _ in 0..<50 {
            entry = try ExternalCommand.check(["ip", "-n", lab.namespace("scanner"), "neigh", "show", "198.51.100.30"])
            if entry.contains(newMAC.description) { break }
            usleep(20_000)
        }
        #expect(entry.contains(newMAC.description), "neighbour entry: \(entry)")
    }

    @Test("arp watch sees a new station, a change and the flip-flop back, on a bounded run")
    func watchFlipFlop() throws {
        let lab = try ARPLab()
        defer { lab.tearDown() }
        try lab.addNode("watcher", addresses: ["198.51.100.1/24"])
        try lab.addNode("a", addresses: [""])
        try lab.addNode("b", addresses: [""])
        let events = EventLog()
        let watch = ARPWatch { events.append($0) }
        let points = try WatchPoint.all(in: .named(lab.namespace("watcher")), label: "watcher")
        #expect(points.map(\.interface) == ["eth0"])
        let done = DispatchSemaphore(value: 0)
        DedicatedThread.start(name: "watch under test") {
            _ = try? watch.run(on: points, durationNs: 3_000_000_000)
            done.signal()
        }
        usleep(300_000)
        let shared = address("198.51.100.40")
        for node in ["a", "b", "a"] {
            let link = try ARPLink.open(
                at: VantagePoint(label: node, namespace: .named(lab.namespace(node))),
                interface: "eth0",
                towards: nil,
                vlan: nil
            )
            _ = try announceAddress(on: link, address: shared, form: .reply, count: 1, intervalNs: 0)
            usleep(300_000)
        }
        watch.stop()
        done.wait()
        let about = events.all.filter { $0.ip == shared && $0.kind != .gratuitous }
        #expect(about.map(\.kind) == [.newStation, .changed, .flipFlop])
        #expect(about.last?.mac == (try lab.mac(of: "a")))
        #expect(about.last?.previousMAC == (try lab.mac(of: "b")))
        #expect(about.allSatisfy { $0.location == "watcher/eth0" })
    }

    @Test("--vlan: tagged requests reach a responder on VLAN 211 only, and its tagged replies are read")
    func vlanTagged() throws {
        let lab = try ARPLab()
        defer { lab.tearDown() }
        try lab.addNode("scanner", addresses: ["198.51.100.1/24"])
        try lab.addNode("trunk", addresses: [""])
        let responderMAC = try lab.mac(of: "trunk")
        let answered = address("203.0.113.5")
        // The responder: a bounded loop answering tagged ARP for 203.0.113.5 on VLAN 211 only (no VLAN devices
        // on this kernel, so the tags are crafted by hand on both sides).
        let socket = try withNetworkNamespace(.named(lab.namespace("trunk"))) {
            try PacketSocket(interface: "eth0", protocol: PacketSocket.allProtocols)
        }
        let seenTags = EventLog()
        let finished = DispatchSemaphore(value: 0)
        DedicatedThread.start(name: "vlan responder") {
            defer { finished.signal() }
            let end = monotonicNanoseconds() + 3_000_000_000
            while monotonicNanoseconds() < end {
                guard let received = try? socket.receive(timeoutNs: 50_000_000),
                    let frame = ARPFrame(bytes: received.bytes, strippedTCI: received.vlanTag),
                    received.direction != .outgoing, frame.packet.operation == .request
                else { continue }
                seenTags.appendTag(frame.vlan)
                guard frame.vlan == 211, frame.packet.targetIP == answered else { continue }
                try? socket.send(ARPFrame.reply(to: frame, from: responderMAC, ip: answered).encoded())
            }
        }
        let plan = PingPlan(target: answered, count: 2, intervalNs: 100_000_000, deadlineNs: nil)
        let tagged = try arpPing(on: try scannerLink(lab, vlan: 211, source: address("203.0.113.1")), plan)
        let otherVLAN = try arpPing(on: try scannerLink(lab, vlan: 212, source: address("203.0.113.1")), plan)
        let untagged = try arpPing(on: try scannerLink(lab, source: address("203.0.113.1")), plan)
        let sweep = try arpScan(
            on: try scannerLink(lab, vlan: 211, source: address("203.0.113.1")),
            ScanPlan(network: IPv4Network("203.0.113.0/29")!, ratePerSecond: 1000, policy: .always)
        )
        finished.wait()
        #expect(sweep.table.responders.map { "\($0.ip) \($0.mac)" } == ["203.0.113.5 \(responderMAC)"])
        #expect(tagged.replies.count == 2)
        #expect(tagged.macs == [responderMAC])
        #expect(!otherVLAN.answered)
        #expect(!untagged.answered)
        #expect(Set(seenTags.tags) == [211, 212, nil])
    }
}

/// Collects what listener threads report. Safe: every access holds `lock`.
final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [WatchEvent] = []
    private var seenTags: [UInt16?] = []

    func append(_ event: WatchEvent) { lock.withLock { events.append(event) } }
    func appendTag(_ tag: UInt16?) { lock.withLock { seenTags.append(tag) } }
    var all: [WatchEvent] { lock.withLock { events } }
    var tags: [UInt16?] { lock.withLock { seenTags } }
}
