import Foundation

extension LabStatus {
    /// The status as `lxcdiag lab status` prints it: a headline, the namespaces, one row per endpoint, problems.
    package var report: String {
        var lines: [String] = []
        let vlans = vlan.map {
            $0 == .vlanAware ? "VLANs 211+103 on a VLAN-aware br0" : "VLANs 211+103 via em1.211/em1.103"
        }
        let what = [
            backend?.label, macvlanMode.map { "macvlan mode \($0.rawValue)" }, vlans, subnet.map { "subnet \($0)" },
        ]
        .compactMap { $0 }
        lines.append("lab \(name): \(condition.rawValue)" + (what.isEmpty ? "" : " (\(what.joined(separator: ", ")))"))
        if condition == .absent, problems.isEmpty {
            lines.append("nothing is built; make it with `lxcdiag lab up`")
            return lines.joined(separator: "\n")
        }
        if !namespaces.isEmpty {
            lines.append("namespaces:")
            let width = namespaces.map(\.name.count).max() ?? 0
            for entry in namespaces {
                let padded = entry.name.padding(toLength: width, withPad: " ", startingAt: 0)
                lines.append("  \(padded)  \(entry.exists ? "exists " : "MISSING")  \(entry.role)")
            }
        }
        if !nodes.isEmpty {
            lines.append("endpoints" + (endpointsFile.map { " (\($0))" } ?? "") + ":")
            var rows = [["NAME", "WHERE", "STATE", "INTERFACE", "ADDRESS", "ATTACHMENT"]]
            for node in nodes {
                let place = node.container.map { "\(node.kind) \($0)" } ?? node.netns.map { "netns \($0)" } ?? "?"
                let state: String =
                    switch node.running {
                    case true?: "running" + (node.pid.map { " (pid \($0))" } ?? "")
                    case false?: "STOPPED"
                    case nil: node.problems.isEmpty ? "ok" : "BROKEN"
                    }
                let address =
                    node.addresses.isEmpty
                    ? "none (want \(node.expectedAddress))" : node.addresses.joined(separator: ",")
                rows.append([
                    node.name, place, state, "\(node.interface) \(node.interfaceUp ? "up" : "DOWN")", address,
                    node.attachment,
                ])
            }
            lines += Self.table(rows).map { "  \($0)" }
        }
        lines.append(problems.isEmpty ? "problems: none" : "problems:")
        lines += problems.map { "  - \($0)" }
        return lines.joined(separator: "\n")
    }

    /// Left-aligned columns two spaces apart; the last column is not padded.
    static func table(_ rows: [[String]]) -> [String] {
        guard let columns = rows.first?.count else { return [] }
        let widths = (0..<columns).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { column, cell in
                column == columns - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
    }
}
