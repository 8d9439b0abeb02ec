package import ExpectedPath
package import NetworkModel
package import Trace

/// Findings a trace gains from its expected path: what the topology already said before a frame was sent.
package enum PathTraceFindings {
    /// `report`'s findings with the path's design limits first; a `dropped-between` finding at a hop blocked by
    /// design goes, since the design finding says why the frame stops there and that it is no fault.
    package static func findings(of report: TraceReport, on path: ExpectedPath) -> [Finding] {
        let limits = designLimits(path, report: report)
        let places = Set(limits.compactMap(\.location))
        let rest = report.findings.filter { finding in
            !(finding.code == "dropped-between" && finding.location.map(places.contains) == true)
        }
        return limits + withHopFindings(rest, path: path)
    }

    /// `findings` with the path's hop findings (a wrong FDB entry, the target's missing address): one the rules
    /// already made gains the path's evidence (where the address came from), any other is added after the errors.
    static func withHopFindings(_ findings: [Finding], path: ExpectedPath) -> [Finding] {
        var merged = findings
        for (hop, found) in path.findings {
            if let index = merged.firstIndex(where: { $0.code == found.code }) {
                merged[index].evidence += found.evidence.filter { !merged[index].evidence.contains($0) }
                if found.code == "ADDRESS_NOT_CONFIGURED" {
                    // The path knows which interface should hold the address (or that nobody on the segment
                    // does); the rule only knows the namespace the probes were aimed at.
                    merged[index].summary = found.summary
                    if let fix = found.fix { merged[index].fix = fix }
                }
                continue
            }
            let finding = Finding(
                code: found.code,
                severity: .error,
                location: HopName(node: hop.node, interface: hop.interface),
                summary: found.summary,
                evidence: found.evidence,
                fix: found.fix ?? ""
            )
            let errors = merged.prefix { $0.severity == .error }.count
            merged.insert(finding, at: errors)
        }
        return merged
    }

    /// What to do about a design limit: macvlan private mode isolates siblings, and a parent's own stack never
    /// reaches its children.
    private static func fix(for hop: PathHop, path: ExpectedPath) -> String {
        if hop.blocked?.contains("private mode") == true {
            return "This is how macvlan private mode works, not a fault: children of one parent never reach each "
                + "other. If \(path.from.endpoint) and \(path.to.endpoint) should talk, make the children bridge "
                + "mode (ip link set DEV type macvlan mode bridge, or lxc.net.N.macvlan.mode = bridge)."
        }
        return "This is how macvlan works, not a fault: reach \(path.to.endpoint) from another namespace or over a "
            + "second NIC (the lab's em2), or give \(path.from.node) a macvlan child of its own on the parent and "
            + "send from that."
    }

    /// One finding per hop the path walk marked as blocked by design (a macvlan parent's own stack cannot reach
    /// its children; private-mode children cannot reach each other), so a trace that ends there says it is how the kernel works, not a fault, and what to do.
    package static func designLimits(_ path: ExpectedPath, report: TraceReport) -> [Finding] {
        path.hops.filter(\.blockedByDesign).map { hop in
            let reason = hop.blocked ?? "\(hop.node):\(hop.interface) cannot pass the frame on"
            let answered = report.verdict != .unreachable
            return Finding(
                code: "blocked-by-design",
                severity: answered ? .warning : .info,
                location: HopName(node: hop.node, interface: hop.interface),
                summary: answered
                    ? "the topology says \(reason), by design, yet \(path.to.endpoint) answered: another path carried it"
                    : "\(path.to.endpoint) is unreachable from \(path.from.endpoint) this way by design: \(reason)",
                evidence: ["expected path hop \(hop.node):\(hop.interface) (\(hop.reason.rawValue)): \(hop.detail)"],
                fix: fix(for: hop, path: path)
            )
        }
    }
}
