internal import KernelDrops
import NetworkModel

/// Renders a report for a terminal: the path as a column of hops with a mark per probe and direction, the
/// verdict, where the frame stopped, and the findings with their fixes.
///
/// Marks: `→` request seen, `←` reply seen, `·` not seen, `✗` the first point that should have seen the
/// lost frame and did not, `-` nothing captured (interface down), blank: a bridge device, which does not see
/// unicast frames it forwards (never a miss). A legend under the table says so.
package struct TraceTextRenderer: Sendable {
    /// Whether to use ANSI colours (the CLI turns them off when not on a terminal or when NO_COLOR is set).
    package var colour: Bool

    package init(colour: Bool) {
        self.colour = colour
    }

    /// Whether colour suits an output: a terminal, and no `NO_COLOR` in the environment (any value).
    package static func wantsColour(isTerminal: Bool, environment: [String: String]) -> Bool {
        isTerminal && environment["NO_COLOR"] == nil && environment["TERM"] != "dumb"
    }

    package func render(_ report: TraceReport) -> String {
        var lines: [String] = []
        lines.append(
            "trace \(endpoint(report.from)) -> \(endpoint(report.to))   run \(report.runID), "
                + "\(milliseconds(report.durationNs)) ms"
        )
        lines.append("")
        lines += hopTable(report)
        lines.append("")
        lines.append("verdict   \(verdictText(report.verdict))")
        lines.append("probes    " + report.probes.map(probeText).joined(separator: "; "))
        if let burst = report.burst { lines += burstLines(burst) }
        if let drop = report.drop {
            var stop = "stopped   \(drop.trail)"
            if let kernel = drop.kernel { stop += " (kernel: \(kernel.reason) in \(kernel.location))" }
            lines.append(paint(stop, .red))
        }
        if !report.findings.isEmpty {
            lines.append("")
            lines.append("findings")
            for finding in report.findings {
                let place = finding.location.map { " at \($0)" } ?? ""
                lines.append("  \(severityText(finding.severity)) \(finding.code)\(place)")
                lines.append("        \(finding.summary)")
                for item in finding.evidence { lines.append("        - \(item)") }
                lines.append("        \(finding.fixIsCommand ? "fix:" : "check:") \(finding.fix)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func hopTable(_ report: TraceReport) -> [String] {
        guard let first = report.probes.first else { return [] }
        let (shown, quiet) = report.sidePortSummary
        let labels = shown.map { (first.hops[$0].isSide ? "(side) " : "") + first.hops[$0].label }
        let labelWidth = max(labels.map(\.count).max() ?? 0, 3)
        let roleWidth = max(shown.map { first.hops[$0].role.rawValue.count }.max() ?? 0, 4)
        let columnWidth = max(report.probes.map(\.kind.rawValue.count).max() ?? 0, 3)
        var header = pad("hop", labelWidth) + "  " + pad("role", roleWidth)
        for probe in report.probes { header += "  " + pad(probe.kind.rawValue, columnWidth) }
        // The 802.1Q tags seen per hop, only when some hop saw one (most paths carry no VLAN).
        let tags = first.hops.indices.map { index in Self.tags(at: index, in: report) }
        let showsTags = tags.contains { !$0.isEmpty }
        if showsTags { header += "  vlan" }
        var lines = [paint(header.trimmingTrailingSpaces(), .bold)]
        for (index, label) in zip(shown, labels) {
            var line = pad(label, labelWidth) + "  " + pad(first.hops[index].role.rawValue, roleWidth)
            for probe in report.probes {
                let hop = probe.hops[index]
                let request = mark(hop, .request, probe: probe.kind, report: report)
                let reply = mark(hop, .reply, probe: probe.kind, report: report)
                line += "  " + request + " " + reply + String(repeating: " ", count: columnWidth - 3)
            }
            if showsTags { line += "  " + (tags[index].isEmpty ? "-" : tags[index]) }
            lines.append(line.trimmingTrailingSpaces())
        }
        lines += quiet.map { paint($0.line, .dim) }
        lines += legend(report).map { paint($0, .dim) }
        return lines
    }

    /// The distinct tag stacks the probes' frames carried at hop `index` (`211`, `211.5` for Q-in-Q), or "".
    static func tags(at index: Int, in report: TraceReport) -> String {
        var stacks: [String] = []
        for probe in report.probes where index < probe.hops.count {
            for sighting in [probe.hops[index].request, probe.hops[index].reply] where !sighting.vlanIDs.isEmpty {
                let stack = sighting.vlanIDs.map(String.init).joined(separator: ".")
                if !stacks.contains(stack) { stacks.append(stack) }
            }
        }
        return stacks.joined(separator: ",")
    }

    /// The lines under the table that say what its marks and names mean.
    func legend(_ report: TraceReport) -> [String] {
        var marks = ["→ request seen", "← reply seen", "· not seen", "✗ first point that missed the lost frame"]
        let hops = report.probes.first?.hops ?? []
        if hops.contains(where: { $0.captureError != nil }) { marks.append("- not captured (interface down)") }
        if hops.contains(where: { !$0.role.seesForwardedUnicast }) {
            marks.append("blank: a bridge device, blind to unicast it forwards")
        }
        var names: [String] = []
        if report.probe(.stack) != nil { names.append("stack: echo request sent by the source's own kernel") }
        for kind in report.probes.map(\.kind) where !kind.isCrafted && kind != .stack {
            names.append("\(kind): sent by the source's own kernel")
        }
        if hops.contains(where: \.isSide) { names.append("(side): another port of a bridge on the path") }
        if hops.indices.contains(where: { !Self.tags(at: $0, in: report).isEmpty }) {
            names.append("vlan: 802.1Q tags the frames carried there (- untagged)")
        }
        return ["marks: " + marks.joined(separator: ", ")] + (names.isEmpty ? [] : [names.joined(separator: "; ")])
    }

    private func mark(_ hop: HopSighting, _ direction: ProbeDirection, probe: ProbeKind, report: TraceReport) -> String
    {
        if hop.captureError != nil { return paint("-", .dim) }
        let seen = direction == .request ? hop.request.seen : hop.reply.seen
        if seen { return paint(direction == .request ? "→" : "←", .green) }
        // A bridge device is captured without promiscuous mode: a unicast frame it forwards is not a miss there.
        if !hop.role.seesForwardedUnicast, !(probe == .arp && direction == .request) { return " " }
        if let drop = report.drop, drop.probe == probe, drop.direction == direction,
            drop.firstMissing?.node == hop.node, drop.firstMissing?.interface == hop.interface
        {
            return paint("✗", .red)
        }
        return paint("·", .dim)
    }

    private func endpoint(_ summary: EndpointSummary) -> String {
        let ip = summary.ip.map { " \($0)" } ?? ""
        return "\(summary.endpoint)\(ip) (\(summary.node):\(summary.interface))"
    }

    private func probeText(_ probe: ProbeReport) -> String {
        let size = probe.kind == .arp ? "" : " \(probe.size) B"
        if let error = probe.sendError {
            return paint("\(probe.kind.rawValue)\(size) refused by the kernel (\(error))", .red)
        }
        guard probe.sent else { return "\(probe.kind.rawValue)\(size) not sent (no MAC to send to)" }
        switch probe.result {
        case .answered:
            let rtt = probe.rttNs.map { " in \(microseconds($0)) µs" } ?? ""
            return "\(probe.kind.rawValue)\(size) answered\(rtt)"
        case .lost:
            return paint("\(probe.kind.rawValue)\(size) lost", .red)
        case .refused:
            return paint("\(probe.kind.rawValue)\(size) refused: nothing listens", .red)
        }
    }

    private func verdictText(_ verdict: Verdict) -> String {
        switch verdict {
        case .reachable: paint("REACHABLE", .green, .bold)
        case .degraded: paint("DEGRADED", .yellow, .bold)
        case .unreachable: paint("UNREACHABLE", .red, .bold)
        }
    }

    private func severityText(_ severity: Finding.Severity) -> String {
        switch severity {
        case .error: paint("error  ", .red)
        case .warning: paint("warning", .yellow)
        case .info: paint("info   ", .dim)
        }
    }

    private func milliseconds(_ ns: UInt64) -> String {
        let tenths = (ns + 50_000) / 100_000
        return "\(tenths / 10).\(tenths % 10)"
    }

    private func microseconds(_ ns: UInt64) -> String { "\((ns + 500) / 1000)" }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    private enum Style: String {
        case bold = "1"
        case dim = "2"
        case red = "31"
        case green = "32"
        case yellow = "33"
    }

    private func paint(_ text: String, _ styles: Style...) -> String {
        guard colour else { return text }
        return "\u{1B}[" + styles.map(\.rawValue).joined(separator: ";") + "m" + text + "\u{1B}[0m"
    }
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
