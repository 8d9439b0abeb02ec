import ArgumentParser
import Containers
import Foundation
import KernelSettings
import LinuxNet
import Topology

extension LXCDiag {
    /// `lxcdiag settings ENDPOINT...`: the sysctls and netfilter hooks that decide ARP and forwarding.
    struct Settings: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the forwarding and ARP sysctls and the netfilter hooks that can drop, per namespace.",
            discussion: """
                For each endpoint's namespace: net.ipv4.ip_forward, br_netfilter's bridge-nf-call-iptables and \
                -arptables, and per interface forwarding, rp_filter, arp_ignore, arp_announce, arp_filter, \
                proxy_arp and arp_accept with the raw conf/all, conf/default and interface values and the \
                value the kernel acts on (rp_filter, arp_ignore, arp_announce and arp_accept take the larger of \
                all and interface; arp_filter and proxy_arp are on when either is; forwarding is per interface). \
                Then every netfilter base chain that can drop (policy drop, or a drop/reject rule, followed \
                through jumps), read with `nft -j list ruleset` inside the namespace; iptables-nft rules \
                included.

                Examples:
                  lxcdiag settings host ct1
                  lxcdiag settings -n lab-host host --json
                """
        )

        @Argument(
            help: ArgumentHelp("Endpoints whose namespaces to show (default: host).", valueName: "ENDPOINT"),
            completion: Completions.endpoints
        )
        var names: [String] = []

        @Flag(help: "Print the lxcdiag.settings/1 JSON document (see docs/settings-schema.md).")
        var json = false

        @OptionGroup var endpoints: EndpointOptions

        /// One namespace's settings, as `--json` prints them.
        struct Entry: Encodable {
            var node: String
            var sysctls: NamespaceSysctls
            var netfilter: NetfilterRuleset?
            var netfilterError: String?
        }

        func run() throws {
            try reportingErrors {
                try requireRoot("lxcdiag settings")
                let resolver = try endpoints.resolver()
                var entries: [Entry] = []
                for name in names.isEmpty ? ["host"] : names {
                    let snapshots = RtnetlinkSnapshots()
                    let target = try resolver.target(name, snapshots: snapshots)
                    if let interface = target.interface {
                        let links = try snapshots.snapshot(of: target.namespace, node: target.node).links
                        guard links.contains(where: { $0.name == interface }) else {
                            throw EndpointError(
                                endpoint: name,
                                kind: .noSuchInterface(interface, available: links.map(\.name))
                            )
                        }
                    }
                    var entry = Entry(
                        node: target.node.name,
                        sysctls: try SysctlReader.read(in: target.namespace),
                        netfilter: nil
                    )
                    do { entry.netfilter = try NetfilterReader.read(in: target.namespace) } catch {
                        entry.netfilterError = "\(error)"
                    }
                    entries.append(entry)
                }
                if json {
                    try printJSON(["namespaces": entries], schema: "lxcdiag.settings/1")
                    return
                }
                for entry in entries {
                    print(
                        KernelSettingsText.render(node: entry.node, sysctls: entry.sysctls, netfilter: entry.netfilter),
                        terminator: ""
                    )
                    if let error = entry.netfilterError { print("  netfilter not read: \(error)") }
                }
            }
        }
    }
}
