import Foundation
import NetworkModel
import PacketCodec
import Testing

@testable import Lab

/// A subnet other than the legacy one, so the tests show every address is derived from it.
let testNet = LabAddressing(unchecked: "198.51.100.0/24")

extension LabAddressing {
    init(unchecked text: String) {
        // swift-format-ignore: NeverUseForceTry
        self = try! LabAddressing(parsing: text)
    }
}

@Suite("Lab plan, naming, wiring and state (no root needed)")
struct LabPlanTests {
    @Test("the default lab uses lxcdiag-* namespaces and plain ct1..ct4 LXC names")
    func defaultNaming() {
        let lab = LabConfiguration()
        #expect(lab.externalNamespace == "lxcdiag-ext")
        #expect(lab.hostNamespace == "lxcdiag-host")
        #expect(lab.containerNamespace("ct1") == "lxcdiag-ct1")
        #expect(lab.containerName("ct1") == "ct1")
        #expect(lab.statePath == "/run/lxcdiag/labs/lxcdiag.json")
        #expect(lab.endpointsPath == EndpointRegistry.defaultPath)
    }

    @Test("another lab prefixes its LXC containers and keeps its endpoints apart")
    func isolatedNaming() {
        let lab = LabConfiguration(name: "lxcdiag-tq")
        #expect(lab.containerName("ct3") == "lxcdiag-tq-ct3")
        #expect(lab.endpointsPath == "/run/lxcdiag/labs/lxcdiag-tq.endpoints.json")
        let plan = LabPlan(configuration: lab, backend: .lxc, addressing: testNet)
        #expect(plan.namespaces == ["lxcdiag-tq-ext", "lxcdiag-tq-host"])
        #expect(plan.containers == ["lxcdiag-tq-ct1", "lxcdiag-tq-ct2", "lxcdiag-tq-ct3", "lxcdiag-tq-ct4"])
    }

    @Test("names that cannot name namespaces are refused", arguments: ["", "Lab", "a b", "-x", "x-", "x/y"])
    func invalidNames(name: String) {
        #expect(throws: LabError.self) { try LabConfiguration(name: name).validate() }
    }

    @Test("endpoints: ext and host are namespaces, containers are lxc or netns per backend")
    func endpoints() throws {
        let lxc = LabPlan(configuration: LabConfiguration(), backend: .lxc, addressing: testNet).endpoints
        #expect(lxc.map(\.name) == ["ext", "host", "ct1", "ct2", "ct3", "ct4"])
        let ext = try #require(lxc.first)
        #expect(ext.netns == "lxcdiag-ext" && ext.interface == "eth0" && ext.ip == IPv4Address(198, 51, 100, 1))
        let host = lxc[1]
        #expect(host.netns == "lxcdiag-host" && host.interface == "em2" && host.ip == IPv4Address(198, 51, 100, 2))
        let ct3 = lxc[4]
        #expect(ct3.kind == "lxc" && ct3.container == "ct3" && ct3.netns == nil)
        #expect(ct3.starterNetns == "lxcdiag-host" && ct3.ip == IPv4Address(198, 51, 100, 13))
        let plain = LabPlan(configuration: LabConfiguration(), backend: .namespaces, addressing: testNet).endpoints
        #expect(plain[2].kind == "netns" && plain[2].netns == "lxcdiag-ct1" && plain[2].container == nil)
        #expect(plain.map(\.ip) == lxc.map(\.ip))
    }

    @Test("passthru allows one macvlan child, so the lab plans ct3 and no ct4")
    func passthru() {
        let plan = LabPlan(
            configuration: LabConfiguration(macvlanMode: .passthru),
            backend: .namespaces,
            addressing: testNet
        )
        #expect(plan.members.map(\.name) == ["ct1", "ct2", "ct3"])
        #expect(plan.members[2].attachment == .macvlan(.passthru))
        #expect(!plan.namespaces.contains("lxcdiag-ct4"))
    }

    @Test("wiring: em1 is br0's promiscuous uplink, br0 has no address, STP off and no forward delay")
    func hostWiring() {
        let plan = LabPlan(
            configuration: LabConfiguration(macvlanMode: .private),
            backend: .namespaces,
            addressing: testNet
        )
        let lines = LabWiring.host(plan)
        #expect(lines.contains("link add br0 mtu 1500 type bridge stp_state 0 forward_delay 0"))
        #expect(lines.contains("link set em1 master br0"))
        #expect(lines.contains("link set em1 promisc on"))
        #expect(!lines.contains { $0.contains("dev br0") })
        #expect(lines.contains("address add 198.51.100.2/24 dev em2"))
        #expect(lines.contains("link add link br0 name eth0 mtu 1500 netns lxcdiag-ct3 type macvlan mode private"))
        #expect(lines.contains("link add veth-ct2 mtu 1500 type veth peer name eth0 mtu 1500 netns lxcdiag-ct2"))
        // With LXC, LXC makes the containers' interfaces.
        let lxcLines = LabWiring.host(LabPlan(configuration: LabConfiguration(), backend: .lxc, addressing: testNet))
        #expect(!lxcLines.contains { $0.contains("veth-ct1") || $0.contains("macvlan") })
        let external = LabWiring.external(plan)
        #expect(external.contains("link add sw-em1 mtu 1500 type veth peer name em1 mtu 1500 netns lxcdiag-host"))
        #expect(external.contains("address add 198.51.100.1/24 dev eth0"))
    }

    @Test("LXC network configuration: veth pair name or macvlan mode, link br0, static address")
    func lxcConfiguration() {
        let plan = LabPlan(configuration: LabConfiguration(macvlanMode: .vepa), backend: .lxc, addressing: testNet)
        let veth = LXCTool.networkConfiguration(for: plan.members[0], addressing: testNet)
        #expect(veth.contains("lxc.net.0.type = veth") && veth.contains("lxc.net.0.veth.pair = veth-ct1"))
        #expect(veth.contains("lxc.net.0.link = br0"))
        #expect(veth.contains("lxc.net.0.ipv4.address = 198.51.100.11/24 198.51.100.255"))
        let macvlan = LXCTool.networkConfiguration(for: plan.members[3], addressing: testNet)
        #expect(macvlan.contains("lxc.net.0.type = macvlan") && macvlan.contains("lxc.net.0.macvlan.mode = vepa"))
        #expect(macvlan.contains("lxc.net.0.ipv4.address = 198.51.100.14/24 198.51.100.255"))
    }

    @Test("errors name the thing and the fix")
    func errorMessages() {
        #expect(LabError.lxcMissing.description.contains("apt-get install lxc busybox-static"))
        #expect(LabError.namespaceTaken("lxcdiag-host").description.contains("ip netns del lxcdiag-host"))
        #expect(LabError.containerTaken("ct1").description.contains("lxc-destroy -f -n ct1"))
    }

    @Test("lxc-info output is read for state and pid")
    func lxcInfo() throws {
        let running = try #require(LXCTool.parseInfo("State:          RUNNING\nPID:            11787\n"))
        #expect(running.state == "RUNNING" && running.pid == 11787)
        let stopped = try #require(LXCTool.parseInfo("State:          STOPPED\n"))
        #expect(stopped.state == "STOPPED" && stopped.pid == nil)
        #expect(LXCTool.parseInfo("ct9 doesn't exist\n") == nil)
    }

    @Test("the state file round-trips and a wrong schema is refused")
    func stateFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lxcdiag-lab-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var state = LabState(
            plan: LabPlan(configuration: LabConfiguration(name: "t"), backend: .lxc, addressing: testNet)
        )
        state.namespaces = ["t-ext"]
        state.containers = ["t-ct1"]
        let path = "\(folder)/t.json"
        try state.save(to: path)
        #expect(try LabState.load(from: path) == state)
        #expect(try LabState.load(from: path)?.addressing == testNet)
        // A record from before subnets were chosen has none: it was 192.0.2.0/24.
        var old = state
        old.subnet = nil
        try old.save(to: path)
        #expect(try LabState.load(from: path)?.addressing == .legacy)
        #expect(try LabState.load(from: "\(folder)/none.json") == nil)
        try Data(#"{"schema":"lxcdiag.lab/9"}"#.utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: LabError.self) { try LabState.load(from: path) }
    }

    @Test("ip -json address output is read for flags, master, MAC and IPv4 addresses")
    func interfaceSnapshot() throws {
        // Recorded from `ip -n lxcdiag-host -json address show` (iproute2 6.1).
        let json = """
            [{"ifindex":2,"link_index":5,"ifname":"em1","flags":["BROADCAST","MULTICAST","PROMISC","UP","LOWER_UP"],\
            "mtu":1500,"qdisc":"noqueue","master":"br0","operstate":"UP","address":"8e:0d:02:37:eb:2d",\
            "broadcast":"ff:ff:ff:ff:ff:ff","addr_info":[]},
            {"ifindex":3,"ifname":"em2","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1500,\
            "address":"56:30:ea:db:a7:5c","addr_info":[{"family":"inet","local":"192.0.2.2","prefixlen":24,\
            "scope":"global","label":"em2"},{"family":"inet6","local":"fe80::1","prefixlen":64}]}]
            """
        let interfaces = try InterfaceSnapshot.parse(json)
        #expect(interfaces.map(\.name) == ["em1", "em2"])
        #expect(interfaces[0].master == "br0" && interfaces[0].isPromiscuous && interfaces[0].isUp)
        #expect(interfaces[0].addresses.isEmpty)
        #expect(interfaces[1].addresses == ["192.0.2.2/24"])
        #expect(interfaces[1].mac == MACAddress("56:30:ea:db:a7:5c"))
    }
}
