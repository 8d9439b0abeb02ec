internal import Foundation

/// A plan written back as YAML that `PlanParser` reads into the same plan (`lxcdiag record`).
package enum PlanWriter {
    /// The plan as YAML, `header` lines first as comments, and `notes[index]` as a comment above expectation `index`.
    package static func yaml(_ plan: Plan, header: [String] = [], notes: [Int: String] = [:]) -> String {
        var lines = header.map { "# \($0)" }
        lines.append("version: \(plan.version)")
        lines.append("name: \(scalar(plan.name))")
        if let host = plan.host { lines.append("host: \(scalar(host))") }
        if !plan.endpoints.isEmpty {
            lines.append("endpoints:")
            for endpoint in plan.endpoints {
                let fields: [(String, String?)] = [
                    ("netns", endpoint.netns), ("container", endpoint.container), ("interface", endpoint.interface),
                    ("ip", endpoint.ip), ("mac", endpoint.mac), ("link", endpoint.link),
                ]
                let body = fields.compactMap { key, value in value.map { "\(key): \(scalar($0))" } }
                lines.append("  \(scalar(endpoint.name)): {\(body.joined(separator: ", "))}")
            }
        }
        lines.append("expect:")
        for (index, expectation) in plan.expectations.enumerated() {
            if let note = notes[index] { lines.append("  # \(note)") }
            let named = expectation.name == expectation.check.defaultName ? "" : "name: \(scalar(expectation.name)), "
            lines.append("  - {\(named)\(expectation.check.kind): {\(body(expectation.check))}}")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func body(_ check: Requirement) -> String {
        switch check {
        case .reach(let from, let to), .isolated(let from, let to):
            return "from: \(scalar(from)), to: \(scalar(to))"
        case .mtu(let from, let to, let size):
            return "from: \(scalar(from)), to: \(scalar(to)), at_least: \(size)"
        case .latency(let from, let to, let under):
            return "from: \(scalar(from)), to: \(scalar(to)), under: \(PlanDuration.text(nanoseconds: under))"
        case .tcp(let from, let to, let port), .udp(let from, let to, let port):
            return "from: \(scalar(from)), to: \(scalar(to)), port: \(port)"
        case .unique(let segment, let allow):
            let allowed = allow.isEmpty ? "" : ", allow: [\(allow.map(scalar).joined(separator: ", "))]"
            return "segment: \(scalar(segment))\(allowed)"
        case .noFindings(let severity, let codes):
            return codes.isEmpty ? "severity: \(severity)" : "codes: [\(codes.joined(separator: ", "))]"
        }
    }

    /// A plain word as is; anything else double-quoted, so that `00:16:3e:00:00:11`, `yes` or `1` stay strings.
    static func scalar(_ text: String) -> String {
        let plain =
            !text.isEmpty && text.allSatisfy { $0.isLetter || $0.isNumber || "._-".contains($0) }
            && !["yes", "no", "true", "false", "on", "off", "null", "y", "n", "~"].contains(text.lowercased())
            && !(text.first?.isNumber ?? false) && !text.hasPrefix("-") && !text.hasPrefix(".")
        guard !plain else { return text }
        return "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            + "\""
    }
}
