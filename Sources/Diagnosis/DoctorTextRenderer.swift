import Foundation
import NetworkModel
internal import Trace

/// The text form of a doctor report: one block per finding, errors first, then a count.
package enum DoctorTextRenderer {
    /// The report as text: each finding with its evidence and fix, then what could not be read and a count.
    package static func render(_ report: DoctorReport, colour: Bool) -> String {
        var lines: [String] = []
        for finding in report.findings {
            let severity = finding.severity.rawValue.uppercased().padding(toLength: 7, withPad: " ", startingAt: 0)
            let painted = colour ? paint(severity, finding.severity) : severity
            let place = finding.location.map { " \($0)" } ?? ""
            lines.append("\(painted) \(finding.code)\(place)")
            lines.append("        \(finding.summary)")
            for line in finding.evidence { lines.append("        - \(line)") }
            lines.append("        \(finding.fixIsCommand ? "fix:" : "check:") \(finding.fix)")
        }
        for problem in report.problems { lines.append("note: \(problem)") }
        let errors = report.findings.filter { $0.severity == .error }.count
        let warnings = report.findings.filter { $0.severity == .warning }.count
        let inspected = report.inspected.count
        lines.append(
            report.findings.isEmpty
                ? "no findings in \(inspected) namespace\(inspected == 1 ? "" : "s")"
                : "\(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s") "
                    + "in \(inspected) namespace\(inspected == 1 ? "" : "s")"
        )
        return lines.joined(separator: "\n")
    }

    private static func paint(_ text: String, _ severity: Finding.Severity) -> String {
        let code =
            switch severity {
            case .error: "31"
            case .warning: "33"
            case .info: "36"
            }
        return "\u{1B}[\(code)m\(text)\u{1B}[0m"
    }
}
