/// A verification plan: the endpoints a host should have and what must hold between them (`lxcdiag check`).
///
/// Read from YAML by `PlanParser`; schema in docs/plan-schema.md. Pure data: no I/O.
package struct Plan: Sendable, Hashable {
    /// The file the plan was read from, as given on the command line.
    package var file: String
    package var version: Int
    package var name: String
    /// The namespace under /run/netns that is the host, or nil for the one lxcdiag runs in.
    package var host: String?
    /// Declared endpoints, in file order: names the expectations may use, and the intent `trace --plan` checks.
    package var endpoints: [DeclaredEndpoint]
    package var expectations: [Expectation]

    package init(
        file: String,
        version: Int = 1,
        name: String,
        host: String? = nil,
        endpoints: [DeclaredEndpoint] = [],
        expectations: [Expectation] = []
    ) {
        self.file = file
        self.version = version
        self.name = name
        self.host = host
        self.endpoints = endpoints
        self.expectations = expectations
    }

    /// The declared endpoint called `name`, if the plan declares it.
    package func endpoint(named name: String) -> DeclaredEndpoint? { endpoints.first { $0.name == name } }
}

/// Where in a plan file something was written (1-based, as editors count).
package struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    package var file: String
    package var line: Int
    package var column: Int

    package init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    package var description: String { "\(file):\(line):\(column)" }
}

/// An endpoint a plan declares: where it lives and what it should hold.
package struct DeclaredEndpoint: Sendable, Hashable {
    package var name: String
    /// A namespace under /run/netns (`netns:`), or an LXC container (`container:`); exactly one is set.
    package var netns: String?
    package var container: String?
    package var interface: String?
    /// The IPv4 address it should hold (dotted quad).
    package var ip: String?
    /// The MAC it should have (lower case, colon separated).
    package var mac: String?
    /// The bridge (or macvlan parent) its host side should be attached to.
    package var link: String?
    package var location: SourceLocation

    package init(
        name: String,
        netns: String? = nil,
        container: String? = nil,
        interface: String? = nil,
        ip: String? = nil,
        mac: String? = nil,
        link: String? = nil,
        location: SourceLocation
    ) {
        self.name = name
        self.netns = netns
        self.container = container
        self.interface = interface
        self.ip = ip
        self.mac = mac
        self.link = link
        self.location = location
    }
}

/// One thing that must hold, with its name and where the plan says it.
package struct Expectation: Sendable, Hashable {
    package var name: String
    package var check: Requirement
    package var location: SourceLocation
    /// The endpoint names it uses, with where each is written (empty when built in code).
    package var references: [EndpointReference] = []

    package init(name: String? = nil, check: Requirement, location: SourceLocation) {
        self.name = name ?? check.defaultName
        self.check = check
        self.location = location
    }
}

/// An endpoint name an expectation uses, and where.
package struct EndpointReference: Sendable, Hashable {
    package var name: String
    package var location: SourceLocation

    package init(name: String, location: SourceLocation) {
        self.name = name
        self.location = location
    }
}

/// What an expectation requires. The YAML key of each case is `kind`.
package enum Requirement: Sendable, Hashable {
    /// `from`'s own traffic reaches `to` and is answered.
    case reach(from: String, to: String)
    /// Nothing `from` sends reaches `to` (tenants kept apart): passes when the trace says unreachable.
    case isolated(from: String, to: String)
    /// A frame of `atLeast` bytes (IPv4 total length) with DF set gets from `from` to `to` and back.
    case mtu(from: String, to: String, atLeast: Int)
    /// `to` answers `from`'s own echo request within `underNs` nanoseconds.
    case latency(from: String, to: String, underNs: UInt64)
    /// No duplicate IP or MAC and no ARP flux on the segment of this bridge, except at the interfaces `allow`
    /// names (`host:br0`: a known, accepted ARP flux risk).
    case unique(segment: String, allow: [String])
    /// Doctor finds nothing at or above `severity`, or none of `codes` (then severity is ignored).
    case noFindings(severity: String, codes: [String])
    /// A TCP connection from `from` to `to`'s `port` is accepted.
    case tcp(from: String, to: String, port: Int)
    /// A UDP datagram from `from` to `to`'s `port` is not refused.
    case udp(from: String, to: String, port: Int)

    /// The YAML key: reach, isolated, mtu, latency, unique, no_findings, tcp, udp.
    package var kind: String {
        switch self {
        case .reach: "reach"
        case .isolated: "isolated"
        case .mtu: "mtu"
        case .latency: "latency"
        case .unique: "unique"
        case .noFindings: "no_findings"
        case .tcp: "tcp"
        case .udp: "udp"
        }
    }

    /// Every key a plan may use for an expectation.
    package static let kinds = ["reach", "isolated", "mtu", "latency", "unique", "no_findings", "tcp", "udp"]

    /// The two ends, for the expectations between endpoints.
    package var ends: (from: String, to: String)? {
        switch self {
        case .reach(let from, let to), .isolated(let from, let to), .mtu(let from, let to, _),
            .latency(let from, let to, _), .tcp(let from, let to, _), .udp(let from, let to, _):
            (from, to)
        case .unique, .noFindings: nil
        }
    }

    /// Whether running it sends frames (the others read the host's state only).
    package var sends: Bool { ends != nil }

    /// `reach ext->ct1`, `mtu ext->ct1>=1500`, `unique br0`, `no_findings error`.
    package var defaultName: String {
        switch self {
        case .reach(let from, let to), .isolated(let from, let to): "\(kind) \(from)->\(to)"
        case .mtu(let from, let to, let size): "mtu \(from)->\(to)>=\(size)"
        case .latency(let from, let to, let under): "latency \(from)->\(to)<\(PlanDuration.text(nanoseconds: under))"
        case .tcp(let from, let to, let port), .udp(let from, let to, let port): "\(kind) \(from)->\(to):\(port)"
        case .unique(let segment, _): "unique \(segment)"
        case .noFindings(let severity, let codes):
            "no_findings \(codes.isEmpty ? severity : codes.joined(separator: ","))"
        }
    }
}
