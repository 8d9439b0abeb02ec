import Glibc
import KernelSettings
import LinuxNet
import Testing

@Suite("Reading sysctls and netfilter hooks inside namespaces", .enabled(if: getuid() == 0, "needs root"))
struct KernelSettingsReadingTests {
    @Test("/proc/sys/net read on a thread inside a namespace shows that namespace's values")
    func sysctlsFollowTheThread() throws {
        let first = try ScratchNamespace("a")
        defer { first.tearDown() }
        let second = try ScratchNamespace("b")
        defer { second.tearDown() }
        try first.run(["ip", "link", "add", "va", "type", "veth", "peer", "name", "vb"])
        try first.run(["sysctl", "-qw", "net.ipv4.conf.all.rp_filter=2", "net.ipv4.conf.va.arp_ignore=1"])
        try first.run(["sysctl", "-qw", "net.ipv4.conf.all.arp_filter=1", "net.ipv4.ip_forward=1"])
        try first.run(["sysctl", "-qw", "net.ipv4.conf.vb.rp_filter=1", "net.ipv4.conf.default.proxy_arp=1"])
        try second.run(["sysctl", "-qw", "net.ipv4.conf.all.rp_filter=1", "net.ipv4.conf.lo.arp_announce=2"])

        let one = try SysctlReader.read(in: .named(first.name))
        let two = try SysctlReader.read(in: .named(second.name))
        #expect(one.interfaces.map(\.interface) == ["lo", "va", "vb"])
        #expect(two.interfaces.map(\.interface) == ["lo"])
        #expect(one.ipForward == 1)
        #expect(two.ipForward == 0)
        let va = try #require(one.interface(named: "va"))
        #expect(va.rpFilter.all == 2)
        #expect(va.rpFilter.effective == 2)
        #expect(va.arp.ignore.interface == 1)
        #expect(va.arp.ignore.effective == 1)
        #expect(va.arp.filter.effective == 1)
        // ip_forward=1 switches forwarding on for every interface that exists.
        #expect(va.forwarding.effective == 1)
        let vb = try #require(one.interface(named: "vb"))
        #expect(vb.rpFilter.interface == 1)
        #expect(vb.rpFilter.effective == 2)
        #expect(vb.arp.ignore.effective == 0)
        #expect(vb.arp.proxyArp.defaultValue == 1)
        let lo = try #require(two.interface(named: "lo"))
        #expect(lo.rpFilter.effective == 1)
        #expect(lo.arp.announce.effective == 2)
        #expect(lo.arp.filter.effective == 0)
    }

    @Test("many namespaces read on a few threads give each namespace's own values, in order")
    func batchRead() throws {
        let first = try ScratchNamespace("a")
        defer { first.tearDown() }
        let second = try ScratchNamespace("b")
        defer { second.tearDown() }
        try first.run(["ip", "link", "add", "va", "type", "veth", "peer", "name", "vb"])
        try first.run(["sysctl", "-qw", "net.ipv4.conf.va.arp_ignore=2", "net.ipv4.ip_forward=1"])
        try second.run(["sysctl", "-qw", "net.ipv4.conf.lo.arp_announce=2"])
        let namespaces: [NetworkNamespace] = [
            .named(first.name), .named(second.name), .named("lxsc-no-such-ns"), .named(first.name), .current,
        ]
        let batch = SysctlReader.read(in: namespaces, maxConcurrent: 2)
        #expect(try batch[0].get() == (try SysctlReader.read(in: .named(first.name))))
        #expect(try batch[1].get() == (try SysctlReader.read(in: .named(second.name))))
        #expect(throws: (any Error).self) { try batch[2].get() }
        #expect(try batch[3].get().interface(named: "va")?.arp.ignore.effective == 2)
        #expect(try batch[3].get().ipForward == 1)
        #expect(try batch[1].get().interface(named: "lo")?.arp.announce.interface == 2)
        #expect(try batch[4].get() == (try SysctlReader.read(in: .current)))
    }

    @Test("bridge-nf-call switches are read per namespace")
    func bridgeNetfilterPerNamespace() throws {
        let scratch = try ScratchNamespace("n")
        defer { scratch.tearDown() }
        let before = try SysctlReader.read(in: .named(scratch.name))
        // Without br_netfilter the switches do not exist anywhere; nothing to compare then.
        guard let initial = before.bridgeNetfilter else { return }
        let flipped = initial.callArptables ? "0" : "1"
        try scratch.run(["sysctl", "-qw", "net.bridge.bridge-nf-call-arptables=\(flipped)"])
        let after = try #require(try SysctlReader.read(in: .named(scratch.name)).bridgeNetfilter)
        #expect(after.callArptables == !initial.callArptables)
        #expect(after.callIptables == initial.callIptables)
    }

    @Test("iptables-nft and nft rules set in a namespace are read back as hooks with drop rules")
    func netfilterHooks() throws {
        let scratch = try ScratchNamespace("f")
        defer { scratch.tearDown() }
        try scratch.run(["iptables", "-P", "FORWARD", "DROP"])
        try scratch.run(["iptables", "-A", "INPUT", "-s", "198.51.100.7", "-j", "DROP"])
        try scratch.run(["nft", "add", "table", "bridge", "lxt"])
        try scratch.run([
            "nft", "add", "chain", "bridge", "lxt", "fw", "{ type filter hook forward priority 0; policy accept; }",
        ])
        try scratch.run(["nft", "add", "rule", "bridge", "lxt", "fw", "ether", "type", "arp", "counter", "drop"])
        try scratch.run(["nft", "add", "table", "inet", "quiet"])
        try scratch.run([
            "nft", "add", "chain", "inet", "quiet", "out", "{ type filter hook output priority 0; policy accept; }",
        ])

        let ruleset = try NetfilterReader.read(in: .named(scratch.name))
        let forward = try #require(ruleset.hooks(family: "ip", hook: "forward").first)
        #expect(forward.policy == "drop")
        #expect(forward.chain == "FORWARD")
        let input = try #require(ruleset.hooks(family: "ip", hook: "input").first)
        #expect(input.dropRules.map(\.text) == ["ip saddr 198.51.100.7 counter packets 0 bytes 0 drop"])
        let bridge = try #require(ruleset.hooks(family: "bridge", hook: "forward").first)
        #expect(bridge.dropRules.first?.text.hasSuffix("counter packets 0 bytes 0 drop") == true)
        #expect(bridge.dropRules.first?.packets == 0)
        #expect(ruleset.hooks(family: "inet", hook: "output").first?.canDrop == false)
        // The namespace lxcdiag runs in is untouched by all this.
        let own = try NetfilterReader.read(in: .current)
        #expect(!own.hooks.contains { $0.table == "lxt" })
    }

    @Test("a namespace without nftables tables is told so by netlink and reads as no hooks; many are read at once")
    func netfilterPreCheck() throws {
        let empty = try ScratchNamespace("n0")
        defer { empty.tearDown() }
        let filtered = try ScratchNamespace("n1")
        defer { filtered.tearDown() }
        try filtered.run(["nft", "add", "table", "inet", "lxt"])
        try filtered.run([
            "nft", "add", "chain", "inet", "lxt", "in", "{ type filter hook input priority 0; policy drop; }",
        ])
        #expect(try NftablesPresence.hasTables(in: .named(empty.name)) == false)
        #expect(try NftablesPresence.hasTables(in: .named(filtered.name)) == true)
        #expect(try NetfilterReader.read(in: .named(empty.name)).hooks.isEmpty)
        let namespaces: [NetworkNamespace] = [.named(filtered.name), .named(empty.name), .named(filtered.name)]
        let results = NetfilterReader.read(in: namespaces, maxConcurrent: 2)
        #expect(results.count == 3)
        #expect(try results[0].get().hooks(family: "inet", hook: "input").first?.policy == "drop")
        #expect(try results[1].get().hooks.isEmpty)
        #expect(try results[2].get() == results[0].get())
    }
}
