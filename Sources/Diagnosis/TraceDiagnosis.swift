package import NetworkModel
package import Trace

/// The rules that explain a trace: the report's observations combined with the wiring and the settings.
package enum TraceDiagnosis {
    /// The catalogue findings `report` and `context` prove, errors first.
    ///
    /// KERNEL_DROP is only reported when no other error explains the loss. Pure: no I/O.
    package static func findings(for report: TraceReport, in context: DiagnosisContext) -> [Finding] {
        let facts = TraceFacts(report: report, context: context)
        var findings: [Finding] = []
        findings += LinkRules.trace(facts)
        findings += AddressRules.trace(facts)
        findings += ARPRules.trace(facts)
        findings += BridgeRules.trace(facts)
        findings += FilterRules.trace(facts)
        findings += SourceRules.trace(facts)
        findings += MTURules.trace(facts)
        findings += MacvlanRules.trace(facts)
        findings += ListenerRules.trace(facts)
        findings += VLANRules.findings(context)
        findings += VLANRules.trace(report, context)
        let pathNodes = Set(facts.pathHops.map(\.node) + [report.from.node, report.to.node])
        findings += HostRules.duplicateMACs(context, involving: pathNodes)
        if !findings.contains(where: { $0.severity == .error }) {
            findings += KernelDropRules.findings(facts)
        }
        return ordered(findings)
    }

    /// The report with the catalogue's findings first, then the trace's own that none of them restates.
    package static func diagnose(_ report: TraceReport, in context: DiagnosisContext) -> TraceReport {
        var diagnosed = report
        diagnosed.findings = withoutRestated(findings(for: report, in: context) + report.findings)
        return diagnosed
    }

    /// `findings` less the trace's own findings that a catalogue finding in the list says again with the cause
    /// named (a `stale-neighbour` beside STALE_NEIGHBOUR). Order is kept.
    package static func withoutRestated(_ findings: [Finding]) -> [Finding] {
        let present = Set(findings.compactMap(\.catalogueCode))
        return findings.filter { finding in
            !(restatedBy[finding.code] ?? []).contains { present.contains($0) }
        }
    }

    /// The trace's own finding codes, and the catalogue codes that say the same with the cause named.
    static let restatedBy: [String: [FindingCode]] = [
        "stale-neighbour": [.staleNeighbour],
        "stack-lost": [.staleNeighbour, .netfilterDrop, .noRoute, .rpFilterDrop],
        "mtu-mismatch": [.mtuMismatch],
        "port-refused": [.nothingListens],
        "interface-down": [.linkDown],
        "arp-multiple-answers": [.arpFlux, .duplicateIP],
        "arp-answered-by-other": [.duplicateIP],
        "misdelivered-reply": [.fdbWrongPort],
        "blocked-by-design": [.macvlanParentIsolation, .macvlanPrivateMode, .macvlanVepaNoHairpin],
    ]

    /// Errors first, in rule order; findings of one code at one place become one, with the evidence of all.
    static func ordered(_ findings: [Finding]) -> [Finding] {
        var unique: [Finding] = []
        for finding in findings {
            if let index = unique.firstIndex(where: { $0.code == finding.code && $0.location == finding.location }) {
                unique[index].evidence += finding.evidence.filter { !unique[index].evidence.contains($0) }
                unique[index].severity = max(unique[index].severity, finding.severity)
            } else {
                unique.append(finding)
            }
        }
        return unique.enumerated().sorted { lhs, rhs in
            lhs.element.severity != rhs.element.severity
                ? lhs.element.severity > rhs.element.severity : lhs.offset < rhs.offset
        }.map(\.element)
    }
}

/// The rules that need no probe: what the host's wiring, settings and container configs show on their own.
package enum DoctorRules {
    /// Every finding the context shows, errors first. Pure: no I/O.
    package static func findings(in context: DiagnosisContext) -> [Finding] {
        var findings: [Finding] = []
        findings += LinkRules.doctor(context)
        findings += BridgeRules.doctor(context)
        findings += FilterRules.doctor(context)
        findings += MTURules.doctor(context)
        findings += MacvlanRules.doctor(context)
        findings += HostRules.duplicateMACs(context)
        findings += HostRules.arpFluxRisk(context)
        findings += HostRules.sharedSegmentFlux(context)
        findings += SegmentRules.doctor(context)
        findings += HostRules.declaredVersusReal(context)
        findings += VLANRules.findings(context)
        return TraceDiagnosis.ordered(findings)
    }
}
