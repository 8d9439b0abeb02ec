import Foundation
import KernelSettings
import Testing

@Suite("Parsing nft -j list ruleset")
struct NftRulesetParserTests {
    /// Recorded from a namespace holding iptables-nft rules (FORWARD policy DROP, a -j DROP and a -j REJECT), a
    /// bridge table with a drop rule, a jump to a chain that drops and a verdict map, an arp table with policy
    /// drop, and an inet chain that only accepts. `nft -a list ruleset` of the same namespace is in the comments.
    private func recorded() throws -> NetfilterRuleset {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/nft-ruleset", withExtension: "json"))
        return try NftRulesetParser.parse(try Data(contentsOf: url))
    }

    @Test("every base chain becomes a hook with family, table, hook and policy")
    func baseChains() throws {
        let ruleset = try recorded()
        let names = ruleset.hooks.map { "\($0.family) \($0.table) \($0.chain) \($0.hook) \($0.policy)" }
        #expect(
            names == [
                "ip filter FORWARD forward drop", "ip filter INPUT input accept", "bridge lxf fw forward accept",
                "arp af in input drop", "inet lf in input accept",
            ]
        )
        #expect(ruleset.blockingHooks.count == 4)
        #expect(ruleset.hooks(family: "inet", hook: "input").first?.canDrop == false)
    }

    @Test("iptables rules appear with their counters and handle; REJECT targets count as drops")
    func iptablesRules() throws {
        let ruleset = try recorded()
        let forward = try #require(ruleset.hooks(family: "ip", hook: "forward").first)
        #expect(
            forward.dropRules == [
                NetfilterRule(
                    chain: "FORWARD",
                    handle: 2,
                    text: "ip saddr 192.0.2.5 counter packets 0 bytes 0 drop",
                    verdict: "drop",
                    packets: 0,
                    bytes: 0
                )
            ]
        )
        let input = try #require(ruleset.hooks(family: "ip", hook: "input").first)
        #expect(input.dropRules.map(\.verdict) == ["REJECT"])
        #expect(input.dropRules.first?.text == "meta l4proto icmp counter packets 0 bytes 0 xt target REJECT")
    }

    @Test("drop rules in jumped-to chains and verdict maps are attributed to the base chain")
    func jumpsAndMaps() throws {
        let bridge = try #require(try recorded().hooks(family: "bridge", hook: "forward").first)
        #expect(bridge.dropRules.map(\.chain) == ["fw", "fw", "sub"])
        #expect(bridge.dropRules.map(\.handle) == [2, 8, 6])
        #expect(bridge.dropRules[1].text == "meta l4proto vmap { tcp : drop, udp : accept }")
        #expect(bridge.dropRules[2].text == "ip daddr { 192.0.2.1, 192.0.2.9 } drop")
        #expect(bridge.dropRules[2].comment == "x")
        #expect(bridge.dropRules[0].text == "ether saddr 02:00:00:00:00:01 counter packets 0 bytes 0 drop")
    }

    @Test("an empty ruleset has no hooks; text that is not nft JSON is an error naming the output")
    func emptyAndMalformed() throws {
        let empty = try NftRulesetParser.parse(Data(#"{"nftables": [{"metainfo": {"version": "1.0.6"}}]}"#.utf8))
        #expect(empty.hooks.isEmpty)
        let error = #expect(throws: KernelSettingsError.self) {
            try NftRulesetParser.parse(Data("table ip filter {".utf8))
        }
        #expect(error?.description.contains("nft") == true)
    }
}

@Suite("Whether a namespace has nftables tables, from an NFT_MSG_GETTABLE dump (recorded, no root)")
struct NftablesPresenceTests {
    private func recorded(_ name: String) throws -> [UInt8] {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures").appendingPathComponent(name)
        return [UInt8](try Data(contentsOf: file))
    }

    // Recorded on kernel 6.18: an empty namespace answers NLMSG_DONE alone; one with `inet lxs` and `ip filter`
    // answers two NFT_MSG_NEWTABLE messages, then NLMSG_DONE.
    @Test("an empty namespace's dump has no table, so doctor starts no nft there")
    func noTables() throws {
        #expect(try NftablesPresence.hasTables(inRecordedReply: recorded("nft-gettable-none.bin")) == false)
    }

    @Test("a namespace with two tables has them")
    func twoTables() throws {
        #expect(try NftablesPresence.hasTables(inRecordedReply: recorded("nft-gettable-two.bin")) == true)
    }
}
