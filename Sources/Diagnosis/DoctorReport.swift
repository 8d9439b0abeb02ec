package import NetworkModel

/// What `lxcdiag doctor` found: the findings, the namespaces it looked at, and what it could not read.
package struct DoctorReport: Sendable, Encodable {
    package static let schema = "lxcdiag.doctor/1"

    /// The node names inspected, host first.
    package var inspected: [String]
    package var findings: [Finding]
    /// What could not be read (a namespace gone, nft missing), one line each; the rest was still checked.
    package var problems: [String]

    package init(inspected: [String], findings: [Finding], problems: [String]) {
        self.inspected = inspected
        self.findings = findings
        self.problems = problems
    }

    /// Whether an error-level finding exists (exit status 1).
    package var hasErrors: Bool { findings.contains { $0.severity == .error } }

    private enum CodingKeys: String, CodingKey { case schema, inspected, findings, problems }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Self.schema, forKey: .schema)
        try container.encode(inspected, forKey: .inspected)
        try container.encode(findings, forKey: .findings)
        try container.encode(problems, forKey: .problems)
    }
}
