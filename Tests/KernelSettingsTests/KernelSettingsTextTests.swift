import Foundation
import KernelSettings
import Testing

@Suite("The text form of a namespace's settings")
struct KernelSettingsTextTests {
    @Test("golden: all overriding rp_filter, an interface's own arp_ignore, a drop policy and a drop rule")
    func golden() throws {
        let eth0 = SysctlReader.combine(
            interface: "eth0",
            all: ["rp_filter": 2],
            defaults: ["rp_filter": 1],
            own: ["rp_filter": 1, "arp_ignore": 1, "forwarding": 1]
        )
        let sysctls = NamespaceSysctls(
            ipForward: 1,
            bridgeNetfilter: BridgeNetfilterSettings(callIptables: true, callArptables: false, callIp6tables: false),
            interfaces: [eth0]
        )
        let url = try #require(Bundle.module.url(forResource: "Fixtures/nft-ruleset", withExtension: "json"))
        var ruleset = try NftRulesetParser.parse(try Data(contentsOf: url))
        ruleset.hooks = ruleset.hooks.filter { $0.family == "ip" }
        #expect(
            KernelSettingsText.render(node: "ct1", sysctls: sysctls, netfilter: ruleset) == """
                ct1: ip_forward=1 bridge-nf-call-iptables=1 bridge-nf-call-arptables=0
                  interface  forwarding     rp_filter      arp_ignore     arp_announce   arp_filter     proxy_arp      \
                arp_accept
                  eth0       1 (0/0/1)      2* (2/1/1)     1 (0/0/1)      0 (0/0/0)      0 (0/0/0)      0 (0/0/0)      \
                0 (0/0/0)
                  values: effective (all/default/interface); * = conf.all decides
                  netfilter: ip filter FORWARD (hook forward, policy drop)
                    FORWARD handle 2: ip saddr 192.0.2.5 counter packets 0 bytes 0 drop [0 packets]
                  netfilter: ip filter INPUT (hook input, policy accept)
                    INPUT handle 4: meta l4proto icmp counter packets 0 bytes 0 xt target REJECT [0 packets]

                """
        )
    }
}
