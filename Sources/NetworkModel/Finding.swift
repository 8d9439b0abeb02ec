/// A capture point named for output.
package struct HopName: Sendable, Hashable, Encodable, CustomStringConvertible {
    package var node: String
    package var interface: String

    package init(node: String, interface: String) {
        self.node = node
        self.interface = interface
    }

    package var description: String { "\(node):\(interface)" }
}

/// Something the trace proves from what it observed, with a fix an operator can apply.
package struct Finding: Sendable, Hashable {
    package enum Severity: String, Sendable, Hashable, Codable, Comparable {
        case info
        case warning
        case error

        private var rank: Int {
            switch self {
            case .info: 0
            case .warning: 1
            case .error: 2
            }
        }

        package static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
    }

    /// The programs a fix that runs as printed starts with (`ip netns exec NS ...` and `nsenter ...` included).
    package static let fixPrograms: Set<String> = [
        "ip", "bridge", "nft", "sysctl", "nsenter", "lxc-attach", "ethtool", "iptables",
    ]

    /// Whether `fix` is a command line to run as printed (`fix:`), not advice to follow (`check:`).
    package var fixIsCommand: Bool {
        guard let first = fix.split(separator: " ").first else { return false }
        return Self.fixPrograms.contains(String(first))
    }

    /// A stable identifier such as `stale-neighbour`.
    package var code: String
    package var severity: Severity
    package var location: HopName?
    package var summary: String
    package var evidence: [String]
    package var fix: String

    package init(
        code: String,
        severity: Severity,
        location: HopName?,
        summary: String,
        evidence: [String],
        fix: String
    ) {
        self.code = code
        self.severity = severity
        self.location = location
        self.summary = summary
        self.evidence = evidence
        self.fix = fix
    }
}

extension Finding: Encodable {
    private enum CodingKeys: String, CodingKey {
        case code, severity
        case location = "where"
        case summary, evidence, fix
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(code, forKey: .code)
        try container.encode(severity, forKey: .severity)
        try container.encode(location, forKey: .location)
        try container.encode(summary, forKey: .summary)
        try container.encode(evidence, forKey: .evidence)
        try container.encode(fix, forKey: .fix)
    }
}
