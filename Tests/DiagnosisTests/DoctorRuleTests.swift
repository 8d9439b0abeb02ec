import Containers
import Diagnosis
import KernelSettings
import NetworkModel
import PacketCodec
import Testing
import Topology
import Trace

/// The probe-free rules on constructed values.
@Suite("Doctor rules on constructed values")
struct DoctorRuleTests {
    private func codes(_ lab: ConstructedLab) -> [String] { DoctorRules.findings(in: lab.context).map(\.code) }

    private func first(_ code: FindingCode, _ lab: ConstructedLab) -> Finding? {
        DoctorRules.findings(in: lab.context).first { $0.code == code.rawValue }
    }

    @Test("a healthy host has no findings")
    func healthy() {
        #expect(DoctorRules.findings(in: ConstructedLab().context).isEmpty)
    }

    @Test("br_netfilter with a FORWARD chain that drops")
    func brNetfilter() throws {
        var lab = ConstructedLab()
        lab.settings["host"]?.sysctls?.bridgeNetfilter?.callIptables = true
        lab.settings["host"]?.netfilter = NetfilterRuleset(hooks: [TraceRuleTests.forwardDrop])
        let finding = try #require(first(.brNetfilterDrop, lab))
        #expect(finding.severity == .error)
        #expect(finding.location?.description == "host:br0")
        // A FORWARD chain that cannot drop is harmless.
        var harmless = TraceRuleTests.forwardDrop
        harmless.dropRules = []
        lab.settings["host"]?.netfilter = NetfilterRuleset(hooks: [harmless])
        #expect(!codes(lab).contains("BR_NETFILTER_DROP"))
        // A chain that drops but accepts br0's own traffic first (Docker's rule, or the remedy printed) is too.
        var accepting = TraceRuleTests.forwardDrop
        accepting.bridgedTrafficAccepted = ["br0"]
        lab.settings["host"]?.netfilter = NetfilterRuleset(hooks: [accepting])
        #expect(!codes(lab).contains("BR_NETFILTER_DROP"))
        accepting.bridgedTrafficAccepted = ["docker0"]
        lab.settings["host"]?.netfilter = NetfilterRuleset(hooks: [accepting])
        #expect(codes(lab).contains("BR_NETFILTER_DROP"))
    }

    @Test("ARP flux risk: two interfaces of the host in one subnet with arp_ignore=0")
    func arpFluxRisk() throws {
        var lab = ConstructedLab()
        lab.host.addresses = [
            ConstructedLab.address("host", 3, "br0", IPv4Address(192, 0, 2, 3)),
            ConstructedLab.address("host", 2, "em1", IPv4Address(192, 0, 2, 2)),
        ]
        let finding = try #require(first(.arpFlux, lab))
        #expect(finding.severity == .warning)
        #expect(finding.summary.contains("br0 and em1"))
        lab.settings["host"]?.sysctls = ConstructedLab.sysctls(["em1", "br0"], all: ["arp_ignore": 1])
        #expect(!codes(lab).contains("ARP_FLUX"))
    }

    @Test("STP with a 15 s forward delay")
    func stpDelay() throws {
        var lab = ConstructedLab()
        ConstructedLab.change(&lab.host, "br0") { $0.bridge?.stpState = .kernel }
        let finding = try #require(first(.bridgePortNotForwarding, lab))
        #expect(finding.severity == .warning)
        #expect(finding.summary.contains("15 s forward delay"))
    }

    @Test("ports not forwarding and broadcast flooding off")
    func ports() throws {
        var lab = ConstructedLab()
        ConstructedLab.change(&lab.host, "vct1") { $0.bridgePort?.state = .disabled }
        ConstructedLab.change(&lab.host, "vct2") { $0.bridgePort?.broadcastFlood = false }
        let notForwarding = try #require(first(.bridgePortNotForwarding, lab))
        #expect(notForwarding.severity == .error)
        #expect(notForwarding.location?.description == "host:vct1")
        let flood = try #require(first(.bridgePortFloodDisabled, lab))
        #expect(flood.location?.description == "host:vct2")
    }

    @Test("PROMISC_REQUIRED: a NIC port of a bridge that is not promiscuous (a veth port never is flagged)")
    func promiscuity() throws {
        var lab = ConstructedLab()
        ConstructedLab.change(&lab.host, "em1") { $0.promiscuity = 0 }
        let finding = try #require(first(.promiscRequired, lab))
        #expect(finding.location?.description == "host:em1")
        #expect(finding.severity == .warning)
        ConstructedLab.change(&lab.host, "em1") { $0.kind = .veth }
        #expect(!codes(lab).contains("PROMISC_REQUIRED"))
    }

    @Test("MTU mismatch across a veth pair and between a port and its bridge")
    func mtu() throws {
        var lab = ConstructedLab()
        ConstructedLab.change(&lab.ct1, "eth0") { $0.mtu = 1400 }
        let findings = DoctorRules.findings(in: lab.context).filter { $0.code == "MTU_MISMATCH" }
        #expect(findings.count == 1)
        #expect(findings.first?.location?.description == "ct1:eth0")
        #expect(findings.first?.fix == "ip -n ct1 link set dev eth0 mtu 1500")
        ConstructedLab.change(&lab.ct1, "eth0") { $0.mtu = 1500 }
        ConstructedLab.change(&lab.host, "em1") { $0.mtu = 9000 }
        #expect(first(.mtuMismatch, lab)?.severity == .warning)
    }

    @Test("links down: an administratively down container interface, a veth without carrier")
    func linksDown() throws {
        var lab = ConstructedLab()
        ConstructedLab.change(&lab.ct2, "eth0") { $0.isUp = false }
        ConstructedLab.change(&lab.host, "vct2") {
            $0.carrier = false
            $0.operState = .lowerLayerDown
        }
        let findings = DoctorRules.findings(in: lab.context).filter { $0.code == "LINK_DOWN" }
        #expect(Set(findings.map { $0.location?.description }) == ["ct2:eth0"])
    }

    @Test("duplicate MACs: live across containers, and in LXC configs")
    func duplicateMACs() throws {
        var lab = ConstructedLab()
        ConstructedLab.change(&lab.ct2, "eth0") { $0.mac = ConstructedLab.ct1MAC }
        #expect(first(.duplicateMAC, lab)?.summary == "02:00:00:00:00:11 is used by ct1:eth0, ct2:eth0")

        var configs = ConstructedLab()
        configs.containers = [
            Self.container("web", "lxc.net.0.hwaddr = 00:16:3e:00:00:01"),
            Self.container("db", "lxc.net.0.hwaddr = 00:16:3e:00:00:01"),
        ]
        let finding = try #require(first(.duplicateMAC, configs))
        #expect(
            finding.evidence == ["web lxc.net.0.hwaddr = 00:16:3e:00:00:01", "db lxc.net.0.hwaddr = 00:16:3e:00:00:01"]
        )
    }

    @Test("declared interfaces and addresses that are missing")
    func declared() throws {
        var lab = ConstructedLab()
        lab.containers = [
            Self.container(
                "ct1",
                """
                lxc.net.0.type = veth
                lxc.net.0.link = br0
                lxc.net.0.name = eth0
                lxc.net.0.ipv4.address = 192.0.2.99/24
                lxc.net.1.type = veth
                lxc.net.1.link = br9
                lxc.net.1.name = eth1
                """,
                running: true
            )
        ]
        let findings = DoctorRules.findings(in: lab.context)
        #expect(findings.contains { $0.code == "LINK_DOWN" && $0.location?.description == "ct1:eth1" })
        #expect(findings.contains { $0.code == "ADDRESS_NOT_CONFIGURED" && $0.summary.contains("192.0.2.99/24") })
        #expect(!findings.contains { $0.code == "LINK_DOWN" && $0.location?.description == "host:br0" })
    }

    @Test("one segment: a duplicate address, a neighbour entry with a MAC nobody has, an FDB entry on the wrong port")
    func segment() throws {
        var lab = ConstructedLab()
        lab.ct2.addresses.append(ConstructedLab.address("ct2", 2, "eth0", ConstructedLab.ct1IP))
        lab.ext.neighbours = [
            ConstructedLab.wrongNeighbour(ConstructedLab.ct2IP)
        ]
        // ext's eth0 reaches br0 through em1 (a veth pair in this picture).
        ConstructedLab.change(&lab.ext, "eth0") { $0.peer = LinkReference(node: "host", index: 2, name: "em1") }
        lab.host.fdb = [
            FDBEntry(
                mac: ConstructedLab.ct1MAC,
                port: LinkReference(node: "host", index: 5, name: "vct2"),
                bridge: LinkReference(node: "host", index: 3, name: "br0"),
                state: .static
            )
        ]
        let findings = DoctorRules.findings(in: lab.context)
        let duplicate = try #require(findings.first { $0.code == "DUPLICATE_IP" })
        #expect(duplicate.location?.description == "ct2:eth0")
        #expect(duplicate.fix == "Keep 192.0.2.11 on one of them: ip -n ct2 addr del 192.0.2.11/24 dev eth0")
        let stale = try #require(findings.first { $0.code == "STALE_NEIGHBOUR" })
        #expect(stale.severity == .error)
        #expect(stale.fix == "ip -n ext neigh replace 192.0.2.12 lladdr 02:00:00:00:00:12 dev eth0 nud permanent")
        let fdb = try #require(findings.first { $0.code == "FDB_WRONG_PORT" })
        #expect(fdb.summary == "host:br0 sends 02:00:00:00:00:11 to vct2, but ct1:eth0 hangs off vct1")
        // Cut the wire between ext and the bridge: the entry is about another segment then.
        ConstructedLab.change(&lab.ext, "eth0") { $0.peer = nil }
        #expect(!DoctorRules.findings(in: lab.context).contains { $0.code == "STALE_NEIGHBOUR" })
    }

    static func container(_ name: String, _ config: String, running: Bool = false) -> LXCContainer {
        LXCContainer(
            name: name,
            lxcpath: "/var/lib/lxc",
            config: LXCConfig.parse(config, file: "/var/lib/lxc/\(name)/config"),
            initPid: running ? 4242 : nil
        )
    }
}
