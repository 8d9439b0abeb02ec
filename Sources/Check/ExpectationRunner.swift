package import Plan

/// Runs one expectation once and says what it found. `lxcdiag check` gives one that traces and inspects the
/// host; tests give their own, so the scheduling and retry logic runs without root.
package protocol ExpectationRunner: Sendable {
    /// Runs `expectation` of `plan`; `attempt` counts from 1 (a retry may want fresh state). Blocking work
    /// belongs on a dedicated thread, not on the concurrency pool.
    func run(_ expectation: Expectation, of plan: Plan, attempt: Int) async -> ExpectationOutcome
}

/// A runner made of a closure.
package struct ClosureRunner: ExpectationRunner {
    private let body: @Sendable (Expectation, Plan, Int) async -> ExpectationOutcome

    package init(_ body: @escaping @Sendable (Expectation, Plan, Int) async -> ExpectationOutcome) {
        self.body = body
    }

    package func run(_ expectation: Expectation, of plan: Plan, attempt: Int) async -> ExpectationOutcome {
        await body(expectation, plan, attempt)
    }
}

/// What one run of an expectation found.
package struct ExpectationOutcome: Sendable, Hashable {
    /// pass: it holds; fail: it does not; error: it could not be checked (an endpoint gone, no permission).
    package enum Status: String, Sendable, Hashable, Codable {
        case pass
        case fail
        case error
    }

    package var status: Status
    /// One line: what was seen (`reachable, answered in 72 µs`, `icmp request last seen at host:br0`).
    package var message: String
    /// The finding codes behind a failure (or seen on a pass), most important first.
    package var codes: [String]
    package var findings: [FindingSummary]

    package init(status: Status, message: String, codes: [String] = [], findings: [FindingSummary] = []) {
        self.status = status
        self.message = message
        self.codes = codes
        self.findings = findings
    }

    package static func error(_ message: String) -> ExpectationOutcome { Self(status: .error, message: message) }
}

/// A finding as check's outputs show it.
package struct FindingSummary: Sendable, Hashable, Codable {
    package var code: String
    package var severity: String
    package var location: String?
    package var summary: String
    package var fix: String
    /// Whether `fix` is a command that runs as printed (`fix:`); advice otherwise (`check:`).
    package var fixIsCommand: Bool

    /// The label `fix` is printed under: `fix` for a command, `check` for advice.
    package var fixLabel: String { fixIsCommand ? "fix" : "check" }

    package init(
        code: String,
        severity: String,
        location: String?,
        summary: String,
        fix: String,
        fixIsCommand: Bool = true
    ) {
        self.fixIsCommand = fixIsCommand
        self.code = code
        self.severity = severity
        self.location = location
        self.summary = summary
        self.fix = fix
    }
}
