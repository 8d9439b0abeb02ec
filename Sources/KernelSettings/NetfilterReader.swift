internal import Foundation
package import LinuxNet

/// Reads a namespace's netfilter ruleset through nft's JSON interface (libnftables), run inside the namespace.
///
/// On Debian 12 `iptables` is iptables-nft, so its rules show up here as nft tables (`ip filter FORWARD`);
/// rules loaded with iptables-legacy do not.
package enum NetfilterReader {
    /// The base chains of `namespace` and what can drop in them.
    package static func read(in namespace: NetworkNamespace) throws -> NetfilterRuleset {
        try parse(withNetworkNamespace(namespace) { try readCurrent() }, of: namespace)
    }

    /// `nft -j list ruleset` of the calling thread's namespace, or nil when it has no table.
    private static func readCurrent() throws -> String? {
        // No table (netlink says so at once): nothing can drop, and no process is started.
        if NftablesPresence.inCurrentNamespace() == false { return nil }
        // The tool starts from a thread inside the namespace, so it inherits that thread's namespace.
        return try ExternalCommand.check(["nft", "-j", "list", "ruleset"])
    }

    private static func parse(_ output: String?, of namespace: NetworkNamespace) throws -> NetfilterRuleset {
        guard let output else { return NetfilterRuleset(hooks: []) }
        do {
            return try NftRulesetParser.parse(Data(output.utf8))
        } catch {
            throw KernelSettingsError(subject: "netfilter ruleset of \(namespace)", reason: error.reason)
        }
    }

    /// Reads every namespace of `namespaces`, `maxConcurrent` at a time; results come back in the same order.
    ///
    /// Namespaces without an nftables table cost one netlink dump and no process; the others one `nft` each.
    package static func read(
        in namespaces: [NetworkNamespace],
        maxConcurrent: Int = 8
    ) -> [Result<NetfilterRuleset, any Error>] {
        mapInNetworkNamespaces(namespaces, name: "read netfilter", maxThreads: maxConcurrent) { index in
            try parse(readCurrent(), of: namespaces[index])
        }
    }
}
