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

    /// Recorded from a namespace where iptables-nft was given Docker 20.10's FORWARD wiring for a network on
    /// br0 beside docker0: policy drop, DOCKER-USER and the isolation chains (a drop out of docker0) jumped to
    /// first, then `-i br0 -o br0 -j ACCEPT`.
    @Test("Docker's FORWARD chain accepts br0's own traffic before anything drops it; not docker0's")
    func dockerForward() throws {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/nft-docker-forward", withExtension: "json"))
        let forward = try #require(
            try NftRulesetParser.parse(Data(contentsOf: url)).hooks(family: "ip", hook: "forward").first
        )
        #expect(forward.canDrop)
        #expect(forward.dropRules.map(\.text) == ["oifname docker0 counter packets 0 bytes 0 drop"])
        #expect(forward.bridgedTrafficAccepted == ["br0"])
    }

    @Test("bridged traffic: a drop that might apply comes first, a conditional accept, a return, a wildcard")
    func bridgedTrafficOrder() throws {
        func hook(_ rules: [String], policy: String = "drop") throws -> NetfilterHook {
            let items =
                [#"{"chain": {"family": "ip", "table": "t", "name": "f", "hook": "forward", "policy": "\#(policy)"}}"#]
                + [#"{"chain": {"family": "ip", "table": "t", "name": "sub"}}"#]
                + rules.enumerated().map { index, rule in
                    let chain = rule.hasPrefix("sub:") ? "sub" : "f"
                    let body = rule.hasPrefix("sub:") ? String(rule.dropFirst(4)) : rule
                    return
                        #"{"rule": {"family": "ip", "table": "t", "chain": "\#(chain)", "handle": \#(index + 1), "expr": [\#(body)]}}"#
                }
            let document = #"{"nftables": ["# + items.joined(separator: ", ") + "]}"
            return try #require(try NftRulesetParser.parse(Data(document.utf8)).hooks.first)
        }
        let iif = #"{"match": {"op": "==", "left": {"meta": {"key": "iifname"}}, "right": "br0"}}"#
        let oif = #"{"match": {"op": "==", "left": {"meta": {"key": "oifname"}}, "right": "br0"}}"#
        let daddr =
            #"{"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "daddr"}}, "right": "192.0.2.9"}}"#
        let accept = #"{"accept": null}"#
        let drop = #"{"drop": null}"#
        // The plain accept decides.
        #expect(try hook([[iif, oif, accept].joined(separator: ", ")]).bridgedTrafficAccepted == ["br0"])
        // A drop on an address might apply to br0's traffic and comes first.
        #expect(
            try hook([[daddr, drop].joined(separator: ", "), [iif, oif, accept].joined(separator: ", ")])
                .bridgedTrafficAccepted.isEmpty
        )
        // An accept with another condition is not counted on; the policy drops the rest.
        #expect(try hook([[iif, oif, daddr, accept].joined(separator: ", ")]).bridgedTrafficAccepted.isEmpty)
        // A drop inside a jumped-to chain counts where the jump stands; after a return the base chain goes on.
        let jump = #"{"jump": {"target": "sub"}}"#
        #expect(
            try hook([
                jump, "sub:" + [daddr, drop].joined(separator: ", "), [iif, oif, accept].joined(separator: ", "),
            ])
            .bridgedTrafficAccepted.isEmpty
        )
        #expect(
            try hook([jump, "sub:" + #"{"return": null}"#, "sub:" + drop, [iif, oif, accept].joined(separator: ", ")])
                .bridgedTrafficAccepted == ["br0"]
        )
        // nft's wildcard `br*` covers br0; a name the wildcard excludes is judged never to match.
        let wildcard = #"{"match": {"op": "==", "left": {"meta": {"key": "oifname"}}, "right": "br*"}}"#
        #expect(try hook([[iif, wildcard, accept].joined(separator: ", ")]).bridgedTrafficAccepted == ["br0"])
        // With an accept policy, drops that exclude br0 leave its traffic accepted.
        let docker0 = #"{"match": {"op": "==", "left": {"meta": {"key": "oifname"}}, "right": "docker0"}}"#
        #expect(
            try hook(
                [[docker0, drop].joined(separator: ", "), [iif, oif, #"{"counter": null}"#].joined(separator: ", ")],
                policy: "accept"
            )
            .bridgedTrafficAccepted == ["br0"]
        )
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
