import Foundation
import LinuxNet

/// What the engines must not change outside their lab namespace: the root namespace's firewall, forwarding
/// and links, read before and compared after.
package struct RootNamespaceState: Equatable, Sendable {
    package var nftables: String
    package var iptables: String
    package var forwarding: String
    package var links: [String]

    package static func read() -> RootNamespaceState {
        func output(_ arguments: [String]) -> String {
            (try? ExternalCommand.run(arguments).standardOutput) ?? "(\(arguments[0]) failed)"
        }
        let links = output(["ip", "-o", "link", "show"]).split(separator: "\n").map {
            // Counters and states change; the set of names does not.
            String($0.split(separator: ":").dropFirst().first ?? "").trimmingCharacters(in: .whitespaces)
        }
        return RootNamespaceState(
            nftables: output(["nft", "list", "ruleset"]),
            iptables: output(["iptables-save"]).split(separator: "\n").filter { !$0.hasPrefix("#") }
                .joined(separator: "\n"),
            forwarding: (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_forward", encoding: .utf8)) ?? "?",
            links: links.sorted()
        )
    }
}
