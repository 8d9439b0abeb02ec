internal import NetworkModel
internal import Trace

/// NOTHING_LISTENS: a port probe was refused (a TCP RST, an ICMP port unreachable). The frames alone prove it,
/// so the trace's own `port-refused` finding is the evidence; the catalogue names it.
enum ListenerRules {
    static func trace(_ facts: TraceFacts) -> [Finding] {
        facts.report.findings.filter { $0.code == "port-refused" }.map { refused in
            Finding(
                .nothingListens,
                at: refused.location,
                summary: refused.summary,
                evidence: refused.evidence,
                fix: refused.fix
            )
        }
    }
}
