/// The text form of one namespace's sysctls and netfilter hooks, as `lxcdiag settings` prints it.
package enum KernelSettingsText {
    /// Lines for `node`: forwarding and br_netfilter switches, a table of per-interface settings (raw all, default
    /// and interface values with the effective one, `*` where `all` decides), then the hooks that can drop.
    package static func render(node: String, sysctls: NamespaceSysctls, netfilter: NetfilterRuleset?) -> String {
        var text = "\(node): ip_forward=\(sysctls.ipForward)"
        if let bridge = sysctls.bridgeNetfilter {
            text += " bridge-nf-call-iptables=\(bridge.callIptables ? 1 : 0)"
            text += " bridge-nf-call-arptables=\(bridge.callArptables ? 1 : 0)"
        } else {
            text += " (br_netfilter not loaded)"
        }
        text += "\n"
        let names = sysctls.interfaces.first?.settings.map(\.name) ?? []
        let interfaceWidth = max(9, sysctls.interfaces.map(\.interface.count).max() ?? 0)
        text += trimmed("  " + pad("interface", interfaceWidth) + names.map { "  " + pad($0, 13) }.joined()) + "\n"
        for interface in sysctls.interfaces {
            // effective (all/default/interface), with * when all decides.
            let cells = interface.settings.map { setting in
                let mark = setting.isDecidedByAll ? "*" : ""
                return "  "
                    + pad(
                        "\(setting.effective)\(mark) (\(setting.all)/\(setting.defaultValue)/\(setting.interface))",
                        13
                    )
            }
            text += trimmed("  " + pad(interface.interface, interfaceWidth) + cells.joined()) + "\n"
        }
        text += "  values: effective (all/default/interface); * = conf.all decides\n"
        guard let netfilter else {
            text += "  netfilter: not read\n"
            return text
        }
        let blocking = netfilter.blockingHooks
        if blocking.isEmpty {
            text += "  netfilter: \(netfilter.hooks.count) base chains, none can drop\n"
        }
        for hook in blocking {
            text += "  netfilter: \(hook.label)\n"
            for rule in hook.dropRules {
                let counters = rule.packets.map { " [\($0) packets]" } ?? ""
                text += "    \(rule.chain) handle \(rule.handle): \(rule.text)\(counters)\n"
            }
        }
        return text
    }

    private static func trimmed(_ line: String) -> String {
        String(line.reversed().drop { $0 == " " }.reversed())
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text + String(repeating: " ", count: max(0, width - text.count))
    }
}
