import Foundation
import LinuxNet
import NetworkModel
import PacketCodec
import TestSupport
import Testing

@testable import Lab

@Suite("The lab's subnet: derived addresses and the choice of a free one (no root needed)")
struct LabAddressingTests {
    @Test("every address is an offset in the subnet, whatever the subnet")
    func offsets() throws {
        let net = try LabAddressing(parsing: "203.0.113.77/24")
        #expect(net.subnet.description == "203.0.113.0/24")
        #expect(net.external == IPv4Address(203, 0, 113, 1) && net.host == IPv4Address(203, 0, 113, 2))
        #expect((1...4).map(net.container) == (11...14).map { IPv4Address(203, 0, 113, UInt8($0)) })
        #expect(net.cidr(net.host) == "203.0.113.2/24" && net.broadcast == IPv4Address(203, 0, 113, 255))
        let wide = try LabAddressing(parsing: "10.99.0.0/16")
        #expect(wide.container(1) == IPv4Address(10, 99, 0, 11) && wide.broadcast == IPv4Address(10, 99, 255, 255))
    }

    @Test(
        "a subnet that is not an IPv4 prefix of /8 to /26 is refused",
        arguments: [
            "198.51.100.0", "198.51.100.0/27", "10.0.0.0/7", "10.0.0.0/33", "1.2.3/24", "", "x/24",
        ]
    )
    func invalid(text: String) {
        #expect(throws: LabError.self) { try LabAddressing(parsing: text) }
    }

    @Test("overlap: one prefix holding the other's network address, in both directions")
    func overlap() throws {
        let lab = try LabAddressing(parsing: "192.0.2.0/24")
        #expect(lab.overlaps(try #require(IPv4Network("192.0.2.2/24"))))
        #expect(lab.overlaps(try #require(IPv4Network("192.0.2.128/25"))))
        #expect(lab.overlaps(try #require(IPv4Network("192.0.0.0/16"))))
        #expect(!lab.overlaps(try #require(IPv4Network("192.0.3.0/24"))))
        #expect(!lab.overlaps(try #require(IPv4Network("198.51.100.0/24"))))
    }

    @Test("the first free candidate skips every taken prefix; the candidates never overlap each other")
    func firstFree() throws {
        #expect(LabAddressing.firstFree(avoiding: [])?.subnet.description == "192.0.2.0/24")
        // This machine's case: eth0 192.0.2.2/24 and its connected route.
        let machine = [try #require(IPv4Network("192.0.2.2/24")), try #require(IPv4Network("192.0.2.0/24"))]
        #expect(LabAddressing.firstFree(avoiding: machine)?.subnet.description == "198.51.100.0/24")
        let wide = machine + [try #require(IPv4Network("198.0.0.0/8")), try #require(IPv4Network("203.0.113.9/32"))]
        #expect(LabAddressing.firstFree(avoiding: wide) == nil)
        let partial =
            machine + [try #require(IPv4Network("198.51.100.0/24")), try #require(IPv4Network("203.0.0.0/8"))]
            + [try #require(IPv4Network("198.18.0.0/23"))]
        #expect(LabAddressing.firstFree(avoiding: partial)?.subnet.description == "198.18.2.0/24")
        let candidates = LabAddressing.candidates
        #expect(Set(candidates).count == candidates.count)
        for (index, a) in candidates.enumerated() {
            #expect(!candidates[(index + 1)...].contains { LabAddressing.overlap(a, $0) })
        }
    }
}

@Suite(
    "The lab's subnet on this machine: nothing the namespace lab up starts from uses",
    .serialized,
    .enabled(if: getuid() == 0, "needs root")
)
struct LabSubnetTests {
    @Test("no lab address falls in a route or address of the namespace lab up ran in")
    func overlapsNoRootRoute() throws {
        let test = TestLab(backend: .namespaces)
        defer { test.tearDown() }
        let result = try test.lab.up()
        let taken = try TakenNetworks.inCurrentNamespace()
        #expect(!taken.isEmpty, "lo's 127.0.0.1/8 at least")
        let addresses = result.endpoints.endpoints.compactMap(\.ip)
        #expect(addresses.count == 6)
        for address in addresses {
            let holder = taken.first { $0.contains(address) }
            #expect(holder == nil, "\(address) is inside \(holder.map(String.init(describing:)) ?? "")")
        }
        // What the lab's interfaces really hold agrees with the plan.
        let status = try test.lab.status()
        #expect(status.nodes.allSatisfy { $0.addresses == [$0.expectedAddress] })
        #expect(status.subnet.flatMap(IPv4Network.init).map { net in !taken.contains { overlap(net, $0) } } == true)
    }

    @Test("a second lab picks another subnet; an existing lab keeps its own")
    func labsApart() throws {
        let first = TestLab(backend: .namespaces)
        let second = TestLab(backend: .namespaces)
        defer {
            first.tearDown()
            second.tearDown()
        }
        let a = try first.lab.up().status.subnet
        let b = try second.lab.up().status.subnet
        #expect(a != nil && b != nil && a != b)
        let again = try first.lab.up()
        #expect(again.outcome == .alreadyUp && again.status.subnet == a)
    }

    @Test("--subnet overlapping this namespace's addresses is refused with one line and exit 3, nothing made")
    func overlappingRefused() throws {
        let test = TestLab(backend: .namespaces)
        defer { test.tearDown() }
        let name = test.configuration.name
        // lo's 127.0.0.1/8 exists in every namespace.
        let run = try LXCDiagExecutable.run(["lab", "up", "--no-lxc", "--name", name, "--subnet", "127.0.0.0/24"])
        #expect(run.status == 3)
        #expect(
            run.error == "lxcdiag: subnet 127.0.0.0/24 overlaps 127.0.0.0/8 in the namespace lab up runs in; "
                + "pick another with --subnet (for example 198.51.100.0/24, 203.0.113.0/24 or 198.18.5.0/24)\n"
        )
        #expect(try test.leftovers().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: test.configuration.statePath))
        let chosen = try LXCDiagExecutable.run(["lab", "up", "--no-lxc", "--name", name, "--subnet", "198.18.77.0/24"])
        #expect(chosen.status == 0, "\(chosen.error)")
        #expect(chosen.output.contains("subnet 198.18.77.0/24"))
        #expect(try test.lab.status().address(of: "ct1") == IPv4Address(198, 18, 77, 11))
    }

    @Test("the test guard refuses a sending socket in the namespace it names")
    func sendingGuard() throws {
        var status = stat()
        try #require(stat("/proc/self/ns/net", &status) == 0)
        let run = try ExternalCommand.run(
            [
                // No endpoint file: with the default lab up, `host` would be the lab's host namespace, not this one.
                "env", "\(SendingGuard.variable)=\(status.st_ino)",
                "LXCDIAG_ENDPOINTS=/nonexistent/lxcdiag-endpoints.json",
                LXCDiagExecutable.path, "arp", "ping", "-I", "lo",
                "127.0.0.2", "-c", "1",
            ]
        )
        #expect(run.status == 3)
        #expect(run.standardError.contains("refusing to send in the namespace"))
    }

    private func overlap(_ a: IPv4Network, _ b: IPv4Network) -> Bool { LabAddressing.overlap(a, b) }
}
