/// The text form of `lxcdiag path`: a header, one line per hop with its blocks and cautions, then notes.
package enum PathText {
    /// The path as lines a person reads, each ending in a newline.
    package static func render(_ path: ExpectedPath) -> String {
        func name(_ endpoint: PathEndpoint) -> String {
            let ip = endpoint.ip.map { " \($0)" } ?? ""
            return "\(endpoint.endpoint) (\(endpoint.node)\(ip))"
        }
        let verdict: String
        if path.reachable {
            verdict = "reachable"
        } else if let (hop, finding) = path.findings.first, path.blockedHop == nil {
            verdict = "\(finding.code) at \(hop.node):\(hop.interface)"
        } else if let blocked = path.blockedHop {
            verdict = blocked.blockedByDesign ? "blocked by design" : "blocked"
        } else {
            verdict = "not followed to the end"
        }
        var text = "path \(name(path.from)) -> \(name(path.to)): \(verdict)\n"
        let nodeWidth = path.hops.map(\.node.count).max() ?? 4
        let interfaceWidth = path.hops.map(\.interface.count).max() ?? 4
        let reasonWidth = path.hops.map(\.reason.rawValue.count).max() ?? 6
        for (number, hop) in path.hops.enumerated() {
            let columns = [
                pad(String(number + 1), 3, right: true), pad(hop.node, nodeWidth), pad(hop.interface, interfaceWidth),
                pad(hop.direction.rawValue, 8), pad(hop.reason.rawValue, reasonWidth),
            ]
            var line = "  " + columns.joined(separator: "  ") + "  " + hop.detail
            if let blocked = hop.blocked {
                line +=
                    "\n" + String(repeating: " ", count: 7)
                    + (hop.blockedByDesign ? "BLOCKED BY DESIGN: " : "BLOCKED: ")
                    + blocked
            }
            let indent = String(repeating: " ", count: 7)
            for finding in hop.findings {
                line += "\n\(indent)\(finding.code): \(finding.summary)"
                for evidence in finding.evidence { line += "\n\(indent)  - \(evidence)" }
                if let fix = finding.fix { line += "\n\(indent)  fix: \(fix)" }
            }
            for caution in hop.cautions { line += "\n" + String(repeating: " ", count: 7) + "! " + caution }
            text += line + "\n"
        }
        if !path.notes.isEmpty {
            text += "notes:\n" + path.notes.map { "  - \($0)\n" }.joined()
        }
        return text
    }

    private static func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, width - text.count))
        return right ? fill + text : text + fill
    }
}
