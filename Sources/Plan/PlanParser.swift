package import Foundation
internal import PacketCodec
internal import Yams

/// Reads a plan from YAML (through Yams), checking every key, type and value, and saying where a problem is.
package enum PlanParser {
    /// The largest plan file read, 1 MiB: a plan is a page of YAML, and a bigger file is a mistake.
    package static let largestFile = 1 << 20
    /// The most expectations one plan may hold.
    package static let mostExpectations = 10_000

    /// Parses the plan in `bytes`, read from `file` (which only names it in errors).
    package static func parse(_ bytes: Data, file: String) throws(PlanError) -> Plan {
        let start = SourceLocation(file: file, line: 1, column: 1)
        guard bytes.count <= largestFile else {
            throw PlanError(start, "the plan is \(bytes.count) bytes; a plan may be at most \(largestFile) bytes")
        }
        guard let text = String(data: bytes, encoding: .utf8) else {
            throw PlanError(start, "the plan is not UTF-8 text")
        }
        return try parse(text, file: file)
    }

    /// Parses the plan in `text`, read from `file`.
    package static func parse(_ text: String, file: String) throws(PlanError) -> Plan {
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch { throw yamlError(error, file: file) }
        let reader = NodeReader(file: file)
        guard let root else { throw PlanError(reader.start, "the plan is empty: it needs version, name and expect") }
        let top = try reader.mapping(root, what: "the plan", keys: ["version", "name", "host", "endpoints", "expect"])
        let version = try reader.integer(top.required("version"), what: "version")
        guard version.value == 1 else {
            throw PlanError(version.location, "version \(version.value) is not supported; this lxcdiag reads version 1")
        }
        let name = try reader.string(top.required("name"), what: "name")
        let host = try top["host"].map { node throws(PlanError) in try reader.string(node, what: "host").value }
        var endpoints: [DeclaredEndpoint] = []
        if let node = top["endpoints"] {
            let entries = try reader.mapping(node, what: "endpoints", keys: nil)
            for (key, value) in entries.pairs {
                endpoints.append(try endpoint(key: key, value: value, reader: reader))
            }
        }
        var expectations: [Expectation] = []
        guard let list = top["expect"] else {
            throw PlanError(top.location, "the plan has no expect: list what must hold")
        }
        guard case .sequence(let items) = list else {
            throw PlanError(reader.location(list), "expect must be a list (each item `- reach: {from: A, to: B}`)")
        }
        guard !items.isEmpty else { throw PlanError(reader.location(list), "expect is empty: list what must hold") }
        guard items.count <= mostExpectations else {
            throw PlanError(reader.location(list), "expect has \(items.count) items; at most \(mostExpectations)")
        }
        var names: [String: SourceLocation] = [:]
        for item in items {
            let expectation = try self.expectation(item, reader: reader)
            if let first = names[expectation.name] {
                throw PlanError(
                    expectation.location,
                    "duplicate expectation name '\(expectation.name)' (first at line \(first.line)); give one a name:"
                )
            }
            names[expectation.name] = expectation.location
            expectations.append(expectation)
        }
        return Plan(
            file: file,
            version: version.value,
            name: name.value,
            host: host,
            endpoints: endpoints,
            expectations: expectations
        )
    }

    private static func endpoint(key: Node, value: Node, reader: NodeReader) throws(PlanError) -> DeclaredEndpoint {
        let name = try reader.endpointName(key, what: "an endpoint's name")
        let fields = try reader.mapping(
            value,
            what: "endpoint \(name.value)",
            keys: ["netns", "container", "interface", "ip", "mac", "link"]
        )
        func text(_ key: String) throws(PlanError) -> (value: String, location: SourceLocation)? {
            guard let node = fields[key] else { return nil }
            return try reader.string(node, what: "\(name.value).\(key)")
        }
        let netns = try text("netns")
        let container = try text("container")
        if netns != nil, container != nil {
            throw PlanError(fields.location, "endpoint \(name.value) names both netns and container; it is one of them")
        }
        if netns == nil, container == nil {
            throw PlanError(fields.location, "endpoint \(name.value) needs netns: NAME or container: NAME")
        }
        let ip = try text("ip")
        if let ip, IPv4Address(ip.value) == nil {
            throw PlanError(ip.location, "\(name.value).ip '\(ip.value)' is not an IPv4 address (a.b.c.d)")
        }
        let mac = try text("mac")
        if let mac, MACAddress(mac.value) == nil {
            throw PlanError(mac.location, "\(name.value).mac '\(mac.value)' is not a MAC address (00:16:3e:00:00:11)")
        }
        let interface = try text("interface")
        let link = try text("link")
        for field in [interface, link, netns, container].compactMap({ $0 })
        where field.value.isEmpty || field.value.count > 64 || field.value.contains("/") || field.value.contains(" ") {
            throw PlanError(field.location, "'\(field.value)' is not a valid interface, namespace or container name")
        }
        return DeclaredEndpoint(
            name: name.value,
            netns: netns?.value,
            container: container?.value,
            interface: interface?.value,
            ip: ip?.value,
            mac: mac.map { MACAddress($0.value)!.description },
            link: link?.value,
            location: name.location
        )
    }

    private static func expectation(_ node: Node, reader: NodeReader) throws(PlanError) -> Expectation {
        let item = try reader.mapping(node, what: "an expectation", keys: nil)
        let kinds = item.pairs.filter { key, _ in key.string != "name" }
        guard kinds.count == 1, let (kindNode, body) = kinds.first, let kind = kindNode.string else {
            throw PlanError(
                item.location,
                "an expectation is one of \(Requirement.kinds.joined(separator: ", ")) (and an optional name:), "
                    + "e.g. `- reach: {from: ext, to: ct1}`"
            )
        }
        let at = reader.location(kindNode)
        let explicitName = try item["name"].map { node throws(PlanError) in try reader.string(node, what: "name").value
        }
        var references: [EndpointReference] = []
        func ends(_ fields: Fields) throws(PlanError) -> (String, String) {
            let from = try reader.endpointName(fields.required("from"), what: "\(kind).from")
            let to = try reader.endpointName(fields.required("to"), what: "\(kind).to")
            if from.value == to.value {
                throw PlanError(to.location, "\(kind): from and to are the same endpoint ('\(to.value)')")
            }
            references += [EndpointReference(name: from.value, location: from.location)]
            references += [EndpointReference(name: to.value, location: to.location)]
            return (from.value, to.value)
        }
        let check: Requirement
        switch kind {
        case "reach", "isolated":
            let (from, to) = try ends(try reader.mapping(body, what: kind, keys: ["from", "to"]))
            check = kind == "reach" ? .reach(from: from, to: to) : .isolated(from: from, to: to)
        case "mtu":
            let fields = try reader.mapping(body, what: kind, keys: ["from", "to", "at_least"])
            let (from, to) = try ends(fields)
            let size = try reader.integer(fields.required("at_least"), what: "mtu.at_least")
            guard (68...65_535).contains(size.value) else {
                throw PlanError(size.location, "mtu.at_least must be between 68 and 65535 bytes, not \(size.value)")
            }
            check = .mtu(from: from, to: to, atLeast: size.value)
        case "latency":
            let fields = try reader.mapping(body, what: kind, keys: ["from", "to", "under"])
            let (from, to) = try ends(fields)
            let under = try reader.string(fields.required("under"), what: "latency.under")
            guard let ns = PlanDuration.nanoseconds(under.value), ns > 0, ns <= 10_000_000_000 else {
                throw PlanError(
                    under.location,
                    "latency.under '\(under.value)' is not a duration between 1us and 10s (e.g. 2ms, 500us)"
                )
            }
            check = .latency(from: from, to: to, underNs: ns)
        case "tcp", "udp":
            let fields = try reader.mapping(body, what: kind, keys: ["from", "to", "port"])
            let (from, to) = try ends(fields)
            let port = try reader.integer(fields.required("port"), what: "\(kind).port")
            guard (1...65_535).contains(port.value) else {
                throw PlanError(port.location, "\(kind).port must be between 1 and 65535, not \(port.value)")
            }
            check =
                kind == "tcp" ? .tcp(from: from, to: to, port: port.value) : .udp(from: from, to: to, port: port.value)
        case "unique":
            let fields = try reader.mapping(body, what: kind, keys: ["segment", "allow"])
            let segment = try reader.string(fields.required("segment"), what: "unique.segment")
            var allow: [String] = []
            if let node = fields["allow"] {
                for item in try reader.list(node, what: "unique.allow") {
                    let place = try reader.string(item, what: "an allowed interface")
                    guard place.value.split(separator: ":").count == 2 else {
                        throw PlanError(
                            place.location,
                            "unique.allow takes NODE:INTERFACE (host:br0), not '\(place.value)'"
                        )
                    }
                    allow.append(place.value)
                }
            }
            check = .unique(segment: segment.value, allow: allow)
        case "no_findings":
            check = try noFindings(body, reader: reader)
        default:
            throw PlanError(
                at,
                "unknown expectation '\(kind)'; known: \(Requirement.kinds.joined(separator: ", "))"
            )
        }
        var expectation = Expectation(name: explicitName, check: check, location: at)
        expectation.references = references
        return expectation
    }

    private static func noFindings(_ body: Node, reader: NodeReader) throws(PlanError) -> Requirement {
        let fields = try reader.mapping(body, what: "no_findings", keys: ["severity", "codes"])
        if fields["severity"] != nil, fields["codes"] != nil {
            throw PlanError(fields.location, "no_findings takes severity or codes, not both")
        }
        if let node = fields["codes"] {
            var codes: [String] = []
            for item in try reader.list(node, what: "no_findings.codes") {
                let code = try reader.string(item, what: "a finding code")
                guard !code.value.isEmpty, code.value.allSatisfy({ $0.isUppercase || $0.isNumber || $0 == "_" }) else {
                    throw PlanError(
                        code.location,
                        "'\(code.value)' is not a finding code (e.g. ARP_FLUX; docs/findings.md)"
                    )
                }
                codes.append(code.value)
            }
            return .noFindings(severity: "info", codes: codes)
        }
        let severity = try fields["severity"].map { node throws(PlanError) in
            try reader.string(node, what: "no_findings.severity")
        }
        if let severity, !["error", "warning", "info"].contains(severity.value) {
            throw PlanError(
                severity.location,
                "no_findings.severity '\(severity.value)' is not one of error, warning, info"
            )
        }
        return .noFindings(severity: severity?.value ?? "error", codes: [])
    }

    /// A Yams error as `FILE:LINE:COLUMN: problem`.
    private static func yamlError(_ error: any Error, file: String) -> PlanError {
        let start = SourceLocation(file: file, line: 1, column: 1)
        guard let error = error as? YamlError else { return PlanError(start, "not YAML: \(error)") }
        func at(_ mark: Mark) -> SourceLocation { SourceLocation(file: file, line: mark.line, column: mark.column) }
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let while_ = context.map { " (\($0.text))" } ?? ""
            return PlanError(at(mark), "bad YAML: \(problem)\(while_)")
        case .reader(let problem, let offset, _, _):
            return PlanError(start, "bad YAML: \(problem)\(offset.map { " at byte \($0)" } ?? "")")
        default:
            // Yams 6 finds duplicate keys itself (`duplicatedKeysInMapping`, absent from Yams 5): its description
            // ends "in line L, column C".
            let text = "\(error)".split(whereSeparator: \.isNewline).joined(separator: " ")
            return PlanError(
                lineAndColumn(in: text).map { SourceLocation(file: file, line: $0, column: $1) } ?? start,
                "bad YAML: \(text)"
            )
        }
    }

    /// `(L, C)` from the last "line L, column C" in `text`.
    private static func lineAndColumn(in text: String) -> (Int, Int)? {
        guard let range = text.range(of: "line ", options: .backwards) else { return nil }
        let numbers = text[range.upperBound...].split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        guard numbers.count >= 2 else { return nil }
        return (numbers[0], numbers[1])
    }
}
