package import Foundation
package import Plan

/// The `lxcdiag.check/1` JSON document (docs/check-schema.md, docs/check.schema.json). Keys are snake_case.
package struct CheckDocument: Encodable, Sendable {
    package static let schema = "lxcdiag.check/1"

    struct PlanEntry: Encodable {
        var file: String
        var name: String
    }

    struct Summary: Encodable {
        var total: Int
        var passed: Int
        var failed: Int
        var errors: Int
    }

    struct Result: Encodable {
        var plan: String
        var file: String
        var line: Int
        var column: Int
        var name: String
        var kind: String
        var from: String?
        var to: String?
        var result: String
        var attempts: Int
        var durationSeconds: Double
        var message: String
        var codes: [String]
        var findings: [FindingSummary]

        private enum CodingKeys: String, CodingKey {
            case plan, file, line, column, name, kind, from, to, result, attempts, message, codes, findings
            case durationSeconds = "duration_seconds"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(plan, forKey: .plan)
            try container.encode(file, forKey: .file)
            try container.encode(line, forKey: .line)
            try container.encode(column, forKey: .column)
            try container.encode(name, forKey: .name)
            try container.encode(kind, forKey: .kind)
            try container.encode(from, forKey: .from)
            try container.encode(to, forKey: .to)
            try container.encode(result, forKey: .result)
            try container.encode(attempts, forKey: .attempts)
            try container.encode(durationSeconds, forKey: .durationSeconds)
            try container.encode(message, forKey: .message)
            try container.encode(codes, forKey: .codes)
            try container.encode(findings, forKey: .findings)
        }
    }

    var schema = Self.schema
    var startedAt: String
    var durationSeconds: Double
    var plans: [PlanEntry]
    var summary: Summary
    var results: [Result]

    private enum CodingKeys: String, CodingKey {
        case schema, plans, summary, results
        case startedAt = "started_at"
        case durationSeconds = "duration_seconds"
    }

    package init(run: CheckRun, plans: [Plan], startedAt: Date) {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        self.startedAt = formatter.string(from: startedAt)
        durationSeconds = Double(run.durationNs) / 1e9
        self.plans = plans.map { PlanEntry(file: $0.file, name: $0.name) }
        summary = Summary(
            total: run.results.count,
            passed: run.count(.pass),
            failed: run.count(.fail),
            errors: run.count(.error)
        )
        results = run.results.map { result in
            let ends = result.expectation.check.ends
            return Result(
                plan: result.planName,
                file: result.planFile,
                line: result.expectation.location.line,
                column: result.expectation.location.column,
                name: result.expectation.name,
                kind: result.expectation.check.kind,
                from: ends?.from,
                to: ends?.to,
                result: result.outcome.status.rawValue,
                attempts: result.attempts,
                durationSeconds: Double(result.durationNs) / 1e9,
                message: result.outcome.message,
                codes: result.outcome.codes,
                findings: result.outcome.findings
            )
        }
    }

}
