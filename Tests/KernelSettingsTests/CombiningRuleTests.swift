import KernelSettings
import Testing

@Suite("The kernel's rules for combining conf/all with conf/IFACE")
struct CombiningRuleTests {
    private func interface(all: [String: Int], own: [String: Int], defaults: [String: Int] = [:]) -> InterfaceSysctls {
        SysctlReader.combine(interface: "eth0", all: all, defaults: defaults, own: own)
    }

    @Test(
        "rp_filter, arp_ignore, arp_announce and arp_accept take the larger value",
        arguments: [(0, 0, 0), (1, 0, 1), (0, 2, 2), (2, 1, 2), (1, 2, 2)]
    )
    func maximum(all: Int, own: Int, expected: Int) {
        let names = ["rp_filter", "arp_ignore", "arp_announce", "arp_accept"]
        let sysctls = interface(
            all: Dictionary(uniqueKeysWithValues: names.map { ($0, all) }),
            own: Dictionary(uniqueKeysWithValues: names.map { ($0, own) })
        )
        #expect(sysctls.rpFilter.effective == expected)
        #expect(sysctls.arp.ignore.effective == expected)
        #expect(sysctls.arp.announce.effective == expected)
        #expect(sysctls.arp.accept.effective == expected)
        #expect(sysctls.rpFilter.rule == .maximum)
    }

    @Test(
        "arp_filter and proxy_arp are on when either all or the interface is on",
        arguments: [
            (0, 0, 0), (1, 0, 1), (0, 1, 1), (1, 1, 1), (0, 5, 1),
        ]
    )
    func either(all: Int, own: Int, expected: Int) {
        let sysctls = interface(
            all: ["arp_filter": all, "proxy_arp": all],
            own: ["arp_filter": own, "proxy_arp": own]
        )
        #expect(sysctls.arp.filter.effective == expected)
        #expect(sysctls.arp.proxyArp.effective == expected)
    }

    @Test("forwarding is the interface's own value, whatever all says")
    func forwardingIsPerInterface() {
        #expect(interface(all: ["forwarding": 1], own: ["forwarding": 0]).forwarding.effective == 0)
        #expect(interface(all: ["forwarding": 0], own: ["forwarding": 1]).forwarding.effective == 1)
    }

    @Test("default is kept raw but never changes the effective value")
    func defaultIsInformational() {
        let sysctls = interface(all: ["rp_filter": 0], own: ["rp_filter": 0], defaults: ["rp_filter": 2])
        #expect(sysctls.rpFilter.defaultValue == 2)
        #expect(sysctls.rpFilter.effective == 0)
    }

    @Test("isDecidedByAll flags the case where all overrides a lower interface value")
    func decidedByAll() {
        let strict = interface(all: ["rp_filter": 2, "arp_filter": 1], own: ["rp_filter": 1, "arp_filter": 0])
        #expect(strict.rpFilter.isDecidedByAll)
        #expect(strict.arp.filter.isDecidedByAll)
        let own = interface(all: ["rp_filter": 1], own: ["rp_filter": 2])
        #expect(!own.rpFilter.isDecidedByAll)
        #expect(!strict.forwarding.isDecidedByAll)
    }

    @Test("arp_ignore >= 1 or arp_filter means requests for other interfaces' addresses may go unanswered")
    func arpSilence() {
        #expect(!interface(all: [:], own: [:]).arp.mayIgnoreRequestsForOtherInterfaces)
        #expect(interface(all: ["arp_ignore": 1], own: [:]).arp.mayIgnoreRequestsForOtherInterfaces)
        #expect(interface(all: [:], own: ["arp_filter": 1]).arp.mayIgnoreRequestsForOtherInterfaces)
    }
}
