import ExpectedPath
import KernelSettings
import Testing
import Topology

@Suite("Netfilter chains and sysctls that can drop a frame, attached to the hops they act on")
struct CautionTests {
    private func sysctls(callIptables: Bool, interfaces: [InterfaceSysctls] = []) -> NamespaceSysctls {
        NamespaceSysctls(
            ipForward: 0,
            bridgeNetfilter: BridgeNetfilterSettings(
                callIptables: callIptables,
                callArptables: false,
                callIp6tables: false
            ),
            interfaces: interfaces
        )
    }

    private let hostRules = NetfilterRuleset(hooks: [
        NetfilterHook(
            family: "ip",
            table: "filter",
            chain: "FORWARD",
            hook: "forward",
            type: "filter",
            priority: 0,
            policy: "drop",
            dropRules: []
        ),
        NetfilterHook(
            family: "bridge",
            table: "lxt",
            chain: "fw",
            hook: "forward",
            type: "filter",
            priority: 0,
            policy: "accept",
            dropRules: [NetfilterRule(chain: "fw", handle: 3, text: "ether type arp drop", verdict: "drop")]
        ),
        NetfilterHook(
            family: "inet",
            table: "quiet",
            chain: "in",
            hook: "input",
            type: "filter",
            priority: 0,
            policy: "accept",
            dropRules: []
        ),
    ])

    private let ct2Rules = NetfilterRuleset(hooks: [
        NetfilterHook(
            family: "inet",
            table: "f",
            chain: "input",
            hook: "input",
            type: "filter",
            priority: 0,
            policy: "accept",
            dropRules: [
                NetfilterRule(chain: "input", handle: 4, text: "ip saddr 192.0.2.11 drop", verdict: "drop"),
                NetfilterRule(chain: "input", handle: 5, text: "tcp dport 22 drop", verdict: "drop"),
            ]
        )
    ])

    @Test("bridge chains always, ip FORWARD only with bridge-nf-call-iptables; INPUT at the receiver")
    func bridgedPath() {
        for callIptables in [true, false] {
            var path = PathFinder.path(
                from: endpoint("ct1", "192.0.2.11"),
                to: endpoint("ct2", "192.0.2.12"),
                in: Lab().topology
            )
            path.addCautions([
                "host": NodeKernelSettings(sysctls: sysctls(callIptables: callIptables), netfilter: hostRules),
                "ct2": NodeKernelSettings(sysctls: nil, netfilter: ct2Rules),
            ])
            let bridging = path.hops.first { $0.direction == .bridging }!
            var expected = [
                "bridge lxt fw (hook forward) can drop bridged frames: rule [fw handle 3] ether type arp drop"
            ]
            if callIptables {
                expected.append(
                    "ip filter FORWARD (hook forward) can drop bridged IPv4 (bridge-nf-call-iptables=1): policy drop"
                )
            }
            #expect(bridging.cautions == expected)
            #expect(
                path.hops.last?.cautions == [
                    "inet f input (hook input) can drop packets for this namespace: rule [input handle 4] "
                        + "ip saddr 192.0.2.11 drop and 1 more"
                ]
            )
            #expect(path.hops.filter { !$0.cautions.isEmpty }.count == 2)
        }
    }

    @Test("a routing namespace gets its FORWARD chain, forwarding switch and strict rp_filter of the arrival interface")
    func routedHop() {
        var lab = Lab()
        lab.builder.namespace("router", kind: .netns)
        let (toRouter, routerIn) = lab.builder.veth(
            ("ct1", "eth1", "02:00:00:00:0a:01"),
            ("router", "in0", "02:00:00:00:0a:02")
        )
        let (routerOut, farEnd) = lab.builder.veth(
            ("router", "out0", "02:00:00:00:0b:01"),
            ("ct2", "eth1", "02:00:00:00:0b:02")
        )
        lab.builder.address(toRouter, "203.0.113.1/30")
        lab.builder.address(routerIn, "203.0.113.2/30")
        lab.builder.address(routerOut, "203.0.113.5/30")
        lab.builder.address(farEnd, "203.0.113.6/30")
        lab.builder.route("ct1", "203.0.113.4/30", via: "203.0.113.2", dev: toRouter)
        var path = PathFinder.path(
            from: endpoint("ct1", "203.0.113.1"),
            to: endpoint("ct2", "203.0.113.6"),
            in: lab.topology
        )
        #expect(path.hops.map(\.reason) == [.routeLookup, .vethPeer, .routed, .vethPeer])
        let combine = { (forwarding: Int, rp: Int) in
            SysctlReader.combine(
                interface: "in0",
                all: ["rp_filter": rp],
                defaults: [:],
                own: ["forwarding": forwarding]
            )
        }
        path.addCautions([
            "router": NodeKernelSettings(
                sysctls: NamespaceSysctls(ipForward: 0, bridgeNetfilter: nil, interfaces: [combine(0, 1)]),
                netfilter: hostRules
            )
        ])
        #expect(
            path.hops[2].cautions == [
                "ip filter FORWARD (hook forward) can drop routed packets: policy drop",
                "forwarding is off on in0 (net.ipv4.conf.in0.forwarding=0)",
                "strict rp_filter on in0 (all=1, interface=0) drops packets whose route back leaves elsewhere",
            ]
        )
    }
}
