import Containers
import PacketCodec
import Testing
import Topology

@Suite("Declared LXC interfaces compared with the kernel's")
struct DeclaredInterfaceCheckTests {
    private let config = LXCConfig.parse(
        """
        lxc.net.0.type = veth
        lxc.net.0.link = br0
        lxc.net.0.name = eth0
        lxc.net.0.flags = up
        lxc.net.0.hwaddr = 02:00:00:00:01:01
        lxc.net.0.veth.pair = veth-ct1
        lxc.net.0.ipv4.address = 192.0.2.11/24
        lxc.net.1.type = macvlan
        lxc.net.1.link = br0
        lxc.net.1.macvlan.mode = bridge
        lxc.net.1.mtu = 9000
        lxc.net.2.type = veth
        lxc.net.2.link = br1
        """,
        file: "config"
    )

    /// host: br0 (1) and veth-ct1 (2, port of br0); ct1: eth0 (veth to veth-ct1, with or without its address)
    /// and eth1 (macvlan child of host br0, mode private, MTU 1500). lxc.net.2 has no interface.
    private func topology(withAddress: Bool) -> HostTopology {
        var br0 = Link(index: 1, name: "br0", kind: .bridge, mtu: 1500)
        br0.isUp = true
        var hostEnd = Link(index: 2, name: "veth-ct1", kind: .veth, mtu: 1500)
        hostEnd.master = LinkReference(node: "host", index: 1, name: "br0")
        var eth0 = Link(index: 2, name: "eth0", kind: .veth, mtu: 1500)
        eth0.mac = MACAddress("02:00:00:00:01:01")
        eth0.isUp = true
        eth0.peer = LinkReference(node: "host", index: 2, name: "veth-ct1")
        var eth1 = Link(index: 3, name: "eth1", kind: .macvlan, mtu: 1500)
        eth1.isUp = true
        eth1.parent = LinkReference(node: "host", index: 1, name: "br0")
        eth1.macvlan = MacvlanSettings(mode: .private)
        let addresses =
            withAddress
            ? [
                AddressAssignment(
                    interface: LinkReference(node: "ct1", index: 2, name: "eth0"),
                    address: IPv4Address(192, 0, 2, 11),
                    prefixLength: 24
                )
            ] : []
        return HostTopology(namespaces: [
            NamespaceSnapshot(node: NetworkNode(name: "host", kind: .host), links: [br0, hostEnd]),
            NamespaceSnapshot(node: NetworkNode(name: "ct1", kind: .lxc), links: [eth0, eth1], addresses: addresses),
        ])
    }

    @Test("a matching veth has no problems; a macvlan with another mode and MTU and an absent veth are reported")
    func compare() {
        let container = LXCContainer(name: "ct1", config: config, initPid: 42)
        let checks = container.checkDeclaredNetworks(in: topology(withAddress: true), node: "ct1")
        #expect(checks.map(\.interface) == ["eth0", "eth1", nil])
        #expect(checks[0].problems.isEmpty)
        #expect(
            checks[1].problems == ["eth1 has MTU 1500, declared 9000", "eth1 is macvlan mode private, declared bridge"]
        )
        #expect(checks[2].isAbsent)
        #expect(checks[2].problems == ["declared lxc.net.2 (veth eth2) is absent"])
    }

    @Test("a declared address the interface lacks (busybox's udhcpc wiped it) is reported")
    func missingAddress() {
        let container = LXCContainer(name: "ct1", config: config, initPid: 42)
        let checks = container.checkDeclaredNetworks(in: topology(withAddress: false), node: "ct1")
        #expect(checks[0].problems == ["eth0 lacks declared address 192.0.2.11/24"])
    }

    @Test("a stopped container's declarations are all absent")
    func stopped() {
        let container = LXCContainer(name: "ct1", config: config)
        let checks = container.checkDeclaredNetworks(in: HostTopology(namespaces: []), node: "ct1")
        #expect(checks.allSatisfy { $0.isAbsent })
        #expect(checks.count == 3)
    }
}
