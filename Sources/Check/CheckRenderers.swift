package import Foundation
package import Plan

/// The text, JUnit, Prometheus and TAP views of a finished check. Pure: they read a `CheckRun`.
package enum CheckRenderers {
    /// The table (expectation, result, time, codes), a detail line under each failure, and the summary line.
    package static func table(_ run: CheckRun, plans: [Plan]) -> String {
        let several = Set(run.results.map(\.planFile)).count > 1
        let names = run.results.map { several ? "\($0.planName): \($0.expectation.name)" : $0.expectation.name }
        let width = max("EXPECTATION".count, names.map(\.count).max() ?? 0)
        func pad(_ text: String, _ count: Int) -> String {
            text + String(repeating: " ", count: max(0, count - text.count))
        }
        var lines = [pad("EXPECTATION", width) + "  RESULT  TIME       CODES"]
        for (result, name) in zip(run.results, names) {
            let status = result.outcome.status == .pass ? "pass" : result.outcome.status.rawValue.uppercased()
            let attempts = result.attempts > 1 ? " (\(result.attempts) runs)" : ""
            lines.append(
                pad(name, width) + "  " + pad(status, 6) + "  " + pad(seconds(result.durationNs), 9) + "  "
                    + result.outcome.codes.joined(separator: ",") + attempts
            )
            if result.outcome.status != .pass {
                lines.append("    \(result.outcome.message)")
                if let first = result.outcome.findings.first, !first.fix.isEmpty {
                    lines.append("    \(first.fixLabel): \(first.fix)")
                }
            }
        }
        lines.append(summary(run, plans: plans))
        return lines.joined(separator: "\n") + "\n"
    }

    /// `12 expectations: 11 passed, 1 failed, 0 errors in 1.23 s (lab-veth)`.
    package static func summary(_ run: CheckRun, plans: [Plan]) -> String {
        "\(run.results.count) expectations: \(run.count(.pass)) passed, \(run.count(.fail)) failed, "
            + "\(run.count(.error)) errors in \(seconds(run.durationNs)) (\(plans.map(\.name).joined(separator: ", ")))"
    }

    /// JUnit XML: a testsuite per plan, a testcase per expectation; a failure's message is the first finding's
    /// summary and fix (or what was seen), its text every finding.
    package static func junit(_ run: CheckRun, plans: [Plan], startedAt: Date) -> String {
        let stamp = ISO8601DateFormatter().string(from: startedAt)
        var out = ["<?xml version=\"1.0\" encoding=\"UTF-8\"?>"]
        out.append(
            "<testsuites name=\"lxcdiag check\" tests=\"\(run.results.count)\" failures=\"\(run.count(.fail))\" "
                + "errors=\"\(run.count(.error))\" time=\"\(decimal(run.durationNs))\">"
        )
        for plan in plans {
            let results = run.results.filter { $0.planFile == plan.file }
            let time = results.reduce(UInt64(0)) { $0 + $1.durationNs }
            out.append(
                "  <testsuite name=\"\(xml(plan.name))\" tests=\"\(results.count)\" "
                    + "failures=\"\(results.count { $0.outcome.status == .fail })\" "
                    + "errors=\"\(results.count { $0.outcome.status == .error })\" time=\"\(decimal(time))\" "
                    + "timestamp=\"\(stamp)\" file=\"\(xml(plan.file))\">"
            )
            for result in results {
                let expectation = result.expectation
                out.append(
                    "    <testcase name=\"\(xml(expectation.name))\" classname=\"\(xml(plan.name)).\(expectation.check.kind)\" "
                        + "file=\"\(xml(plan.file))\" line=\"\(expectation.location.line)\" time=\"\(decimal(result.durationNs))\">"
                )
                let outcome = result.outcome
                if outcome.status != .pass {
                    let tag = outcome.status == .fail ? "failure" : "error"
                    let first = outcome.findings.first
                    let message =
                        first.map { "\($0.code): \($0.summary); \($0.fixLabel): \($0.fix)" } ?? outcome.message
                    let body =
                        [outcome.message]
                        + outcome.findings.map {
                            "\($0.severity) \($0.code) at \($0.location ?? "-"): \($0.summary)\n  \($0.fixLabel): \($0.fix)"
                        }
                    out.append(
                        "      <\(tag) message=\"\(xml(message))\" type=\"\(xml(outcome.codes.first ?? outcome.status.rawValue))\">"
                            + xml(body.joined(separator: "\n")) + "</\(tag)>"
                    )
                }
                out.append("      <system-out>\(xml(outcome.message))</system-out>")
                out.append("    </testcase>")
            }
            out.append("  </testsuite>")
        }
        out.append("</testsuites>")
        return out.joined(separator: "\n") + "\n"
    }

    /// node_exporter's textfile-collector format (Prometheus text exposition 0.0.4).
    package static func prometheus(_ run: CheckRun, plans: [Plan], finishedAt: Date) -> String {
        var out: [String] = []
        func family(_ name: String, _ help: String, _ samples: [(labels: [(String, String)], value: String)]) {
            out.append("# HELP \(name) \(help)")
            out.append("# TYPE \(name) gauge")
            for sample in samples {
                let labels = sample.labels.map { "\($0.0)=\"\(labelValue($0.1))\"" }.joined(separator: ",")
                out.append("\(name){\(labels)} \(sample.value)")
            }
        }
        func labels(_ result: ExpectationResult) -> [(String, String)] {
            let ends = result.expectation.check.ends
            return [
                ("plan", result.planName), ("expectation", result.expectation.name),
                ("kind", result.expectation.check.kind), ("from", ends?.from ?? ""), ("to", ends?.to ?? ""),
            ]
        }
        family(
            "lxcdiag_check_success",
            "1 when the expectation held on the last run, 0 when it failed or could not be checked.",
            run.results.map { (labels($0), $0.outcome.status == .pass ? "1" : "0") }
        )
        family(
            "lxcdiag_check_error",
            "1 when the expectation could not be checked at all (an endpoint gone, no permission).",
            run.results.map { (labels($0), $0.outcome.status == .error ? "1" : "0") }
        )
        family(
            "lxcdiag_check_duration_seconds",
            "How long the expectation took on the last run, retries included.",
            run.results.map { (labels($0), decimal($0.durationNs)) }
        )
        family(
            "lxcdiag_check_attempts",
            "How many times the expectation ran on the last run (above 1 only with --retry-timeout).",
            run.results.map { (labels($0), "\($0.attempts)") }
        )
        family(
            "lxcdiag_check_last_run_timestamp_seconds",
            "When the last check of the plan finished, in seconds since the epoch.",
            plans.map { ([("plan", $0.name)], String(format: "%.3f", finishedAt.timeIntervalSince1970)) }
        )
        return out.joined(separator: "\n") + "\n"
    }

    /// TAP version 13, a YAML block under each failure.
    package static func tap(_ run: CheckRun) -> String {
        var out = ["TAP version 13", "1..\(run.results.count)"]
        for (index, result) in run.results.enumerated() {
            let ok = result.outcome.status == .pass
            let name = "\(result.planName): \(result.expectation.name)".replacingOccurrences(of: "#", with: "\\#")
            out.append("\(ok ? "ok" : "not ok") \(index + 1) - \(name)")
            guard !ok else { continue }
            out.append("  ---")
            out.append("  result: \(result.outcome.status.rawValue)")
            out.append("  message: \(yamlString(result.outcome.message))")
            out.append("  codes: [\(result.outcome.codes.map(yamlString).joined(separator: ", "))]")
            if let first = result.outcome.findings.first {
                out.append("  \(first.fixLabel): \(yamlString(first.fix))")
            }
            out.append("  at: \(yamlString(result.expectation.location.description))")
            out.append("  ...")
        }
        return out.joined(separator: "\n") + "\n"
    }

    private static func seconds(_ ns: UInt64) -> String {
        ns < 1_000_000_000 ? "\(ns / 1_000_000) ms" : String(format: "%.2f s", Double(ns) / 1e9)
    }

    private static func decimal(_ ns: UInt64) -> String { String(format: "%.6f", Double(ns) / 1e9) }

    static func xml(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\n", "\t": out.unicodeScalars.append(scalar)
            // XML 1.0 cannot carry other control characters at all.
            case _ where scalar.value < 0x20: out += "?"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    static func labelValue(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    private static func yamlString(_ text: String) -> String {
        "\""
            + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n") + "\""
    }
}
