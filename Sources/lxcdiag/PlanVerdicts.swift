import Check
import Diagnosis
import Investigation
import NetworkModel
import Plan
import Topology
import Trace

/// Whether a trace report or doctor's findings meet an expectation. Pure: the runner does the I/O.
enum PlanVerdicts {
    /// reach, isolated, mtu and latency judged on the trace between their two ends.
    static func judge(_ requirement: Requirement, report: TraceReport) -> ExpectationOutcome {
        let findings = summaries(report.findings.filter { $0.severity == .error })
        let codes = distinct(findings.map(\.code))
        let stack = report.probes.first { $0.kind == .stack }
        let lost = report.drop.map { "; \($0.trail)" } ?? ""
        let verdict = report.verdict.rawValue
        func outcome(_ pass: Bool, _ message: String) -> ExpectationOutcome {
            ExpectationOutcome(status: pass ? .pass : .fail, message: message, codes: codes, findings: findings)
        }
        switch requirement {
        case .reach:
            // Degraded still reaches: the source's own traffic is answered, a crafted probe (the MTU one) was
            // lost, and that is mtu's expectation to fail.
            let reached = report.verdict != .unreachable
            return outcome(reached, reached ? "\(verdict)\(rtt(stack))" : "\(verdict)\(lost)")
        case .isolated:
            let apart = report.verdict == .unreachable
            return ExpectationOutcome(
                status: apart ? .pass : .fail,
                message: apart
                    ? "unreachable, as intended"
                    : "\(report.to.endpoint) answered \(report.from.endpoint)\(rtt(stack))",
                codes: apart ? [] : ["NOT_ISOLATED"],
                findings: apart ? [] : findings
            )
        case .mtu(_, _, let size):
            let probe = report.probes.first { $0.kind == .icmpMTU }
            guard let probe, probe.sent else {
                return outcome(false, "no \(size) B probe could be sent\(probe?.sendError.map { ": \($0)" } ?? "")")
            }
            let passed = probe.result == .answered && probe.size >= size
            return outcome(
                passed,
                passed ? "\(probe.size) B with DF answered\(rtt(probe))" : "\(probe.size) B with DF lost\(lost)"
            )
        case .latency(_, _, let underNs):
            guard let stack, stack.result == .answered, let measured = stack.rttNs else {
                return outcome(false, "no answer to the source's own echo request (\(verdict))\(lost)")
            }
            let under = PlanDuration.text(nanoseconds: underNs)
            return ExpectationOutcome(
                status: measured < underNs ? .pass : .fail,
                message: "answered in \(microseconds(measured)) (limit \(under))",
                codes: measured < underNs ? [] : ["LATENCY"],
                findings: findings
            )
        case .tcp(_, _, let port), .udp(_, _, let port):
            // The source's own connect (TCP) or socket (UDP) decides, as for reach; the crafted probe localizes.
            let kind: ProbeKind = requirement.kind == "tcp" ? .tcpStack : .udpStack
            let name = "\(requirement.kind.uppercased()) \(port)"
            guard let probe = report.probes.first(where: { $0.kind == kind }), probe.sent else {
                return outcome(false, "\(name): the source could not send\(lost)")
            }
            switch probe.result {
            case .answered: return outcome(true, "\(name) answered\(rtt(probe))")
            case .refused: return outcome(false, "\(name): nothing listens (refused)")
            case .lost: return outcome(false, "\(name) unanswered\(lost)")
            }
        case .unique, .noFindings:
            return .error("\(requirement.kind) is not judged on a trace")
        }
    }

    /// The codes `unique` fails on.
    static let uniquenessCodes: Set<String> = ["DUPLICATE_IP", "DUPLICATE_MAC", "ARP_FLUX"]

    /// No duplicate IP or MAC and no ARP flux at any interface on the layer-2 segment of the bridge `segment`,
    /// except at the interfaces `allowed` names (`host:br0`).
    static func unique(
        _ segment: String,
        allowed: [String] = [],
        findings: [Finding],
        topology: HostTopology
    ) -> ExpectationOutcome {
        let members = segmentMembers(segment, in: topology)
        guard !members.isEmpty else {
            return ExpectationOutcome(
                status: .fail,
                message: "no bridge named \(segment) in any namespace",
                codes: ["NO_SEGMENT"]
            )
        }
        let hits = findings.filter { finding in
            guard uniquenessCodes.contains(finding.code), let location = finding.location?.description else {
                return false
            }
            return members.contains(location) && !allowed.contains(location)
        }
        guard hits.isEmpty else {
            let found = summaries(hits)
            return ExpectationOutcome(
                status: .fail,
                message: hits.map { "\($0.code) at \($0.location?.description ?? "?")" }.joined(separator: ", "),
                codes: found.map(\.code),
                findings: found
            )
        }
        return ExpectationOutcome(
            status: .pass,
            message: "\(members.count) interfaces on \(segment)'s segment, no duplicate"
        )
    }

    /// `node:interface` of every interface that hears the bridge `name`'s frames: the bridge, its ports, their
    /// veth peers and the macvlan children of any of them, transitively (another bridge reached joins too).
    static func segmentMembers(_ name: String, in topology: HostTopology) -> Set<String> {
        var members: Set<String> = []
        var queue: [LinkReference] = topology.namespaces.flatMap { snapshot in
            snapshot.links.filter { $0.name == name && $0.kind == .bridge }.map { snapshot.reference($0) }
        }
        var steps = 0
        while let reference = queue.popLast(), steps < 100_000 {
            steps += 1
            guard members.insert("\(reference.node):\(reference.name)").inserted,
                let snapshot = topology.namespace(named: reference.node),
                let link = snapshot.links.first(where: { $0.index == reference.index })
            else { continue }
            if let peer = link.peer { queue.append(peer) }
            if let master = link.master { queue.append(master) }
            if let parent = link.parent { queue.append(parent) }
            queue += snapshot.links.filter { $0.master == reference }.map { snapshot.reference($0) }
            queue += topology.children(of: reference)
        }
        return members
    }

    /// Doctor finds nothing at or above `severity` (or, with `codes`, none of those codes).
    static func noFindings(severity: String, codes: [String], findings: [Finding]) -> ExpectationOutcome {
        let floor = Finding.Severity(rawValue: severity) ?? .error
        let hits = findings.filter { codes.isEmpty ? $0.severity >= floor : codes.contains($0.code) }
        let found = summaries(hits)
        guard hits.isEmpty else {
            return ExpectationOutcome(
                status: .fail,
                message: hits.map { "\($0.code) at \($0.location?.description ?? "the host")" }.joined(separator: ", "),
                codes: distinct(found.map(\.code)),
                findings: found
            )
        }
        let seen = findings.count
        return ExpectationOutcome(status: .pass, message: seen == 0 ? "no findings" : "\(seen) below the bar")
    }

    static func summaries(_ findings: [Finding]) -> [FindingSummary] {
        findings.map {
            FindingSummary(
                code: $0.code,
                severity: $0.severity.rawValue,
                location: $0.location?.description,
                summary: $0.summary,
                fix: $0.fix,
                fixIsCommand: $0.fixIsCommand
            )
        }
    }

    /// `outcome` failed with `DECLARED_MISMATCH` when an end's MAC or attachment is not what the plan declares.
    static func withDrift(_ outcome: ExpectationOutcome, _ drift: [String]) -> ExpectationOutcome {
        guard !drift.isEmpty, outcome.status != .error else { return outcome }
        var failed = outcome
        failed.status = .fail
        failed.message = drift.joined(separator: "; ") + (outcome.status == .fail ? "; \(outcome.message)" : "")
        failed.codes = distinct(["DECLARED_MISMATCH"] + outcome.codes)
        return failed
    }

    /// `codes` without repeats, first occurrence kept.
    static func distinct(_ codes: [String]) -> [String] {
        var seen: Set<String> = []
        return codes.filter { seen.insert($0).inserted }
    }

    private static func rtt(_ probe: ProbeReport?) -> String {
        guard let probe, probe.result == .answered, let ns = probe.rttNs else { return "" }
        return ", answered in \(microseconds(ns))"
    }

    private static func microseconds(_ ns: UInt64) -> String {
        ns >= 10_000_000 ? "\(ns / 1_000_000) ms" : "\(ns / 1_000) µs"
    }
}
