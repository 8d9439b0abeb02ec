internal import Foundation
package import LinuxNet

/// Reads a namespace's netfilter ruleset through nft's JSON interface (libnftables), run inside the namespace.
///
/// On Debian 12 `iptables` is iptables-nft, so its rules show up here as nft tables (`ip filter FORWARD`);
/// rules loaded with iptables-legacy do not.
package enum NetfilterReader {
    /// The base chains of `namespace` and what can drop in them.
    package static func read(in namespace: NetworkNamespace) throws -> NetfilterRuleset {
        // The tool starts from a thread inside the namespace, so it inherits that thread's namespace.
        let output = try withNetworkNamespace(namespace) {
            try ExternalCommand.check(["nft", "-j", "list", "ruleset"])
        }
        do {
            return try NftRulesetParser.parse(Data(output.utf8))
        } catch {
            throw KernelSettingsError(subject: "netfilter ruleset of \(namespace)", reason: error.reason)
        }
    }
}
