package import LinuxNet
package import NetworkModel
package import PacketCodec

/// A namespace and interface written on the command line: `netns:NAME/IFACE`, `pid:PID/IFACE` or
/// `host/IFACE` (the namespace lxcdiag runs in), optionally followed by `=ROLE` for a capture point or
/// `@IP` for an endpoint.
package struct PointSpec: Sendable, Hashable {
    package var node: String
    package var namespace: NetworkNamespace
    package var interface: String
    package var role: HopRole?
    package var ip: IPv4Address?

    /// Parses `text`; `defaultInterface` stands in when the text names only a namespace.
    package init(parsing text: String, defaultInterface: String? = nil) throws(TraceError) {
        var rest = Substring(text)
        if let at = rest.lastIndex(of: "@") {
            guard let ip = IPv4Address(String(rest[rest.index(after: at)...])) else {
                throw TraceError(.badPlan, "`\(text)`: `\(rest[rest.index(after: at)...])` is not an IPv4 address")
            }
            self.ip = ip
            rest = rest[..<at]
        }
        if let equals = rest.lastIndex(of: "=") {
            let name = String(rest[rest.index(after: equals)...])
            guard let role = HopRole(rawValue: name) else {
                let roles = HopRole.allCases.map(\.rawValue).joined(separator: ", ")
                throw TraceError(.badPlan, "`\(text)`: unknown role `\(name)` (one of \(roles))")
            }
            self.role = role
            rest = rest[..<equals]
        }
        let place: Substring
        if let slash = rest.firstIndex(of: "/") {
            place = rest[..<slash]
            interface = String(rest[rest.index(after: slash)...])
        } else if let defaultInterface {
            place = rest
            interface = defaultInterface
        } else {
            throw TraceError(.badPlan, "`\(text)`: name the interface, as in netns:NAME/eth0 or host/br0")
        }
        guard !interface.isEmpty, interface.utf8.count < 16, !interface.contains(where: { $0 == " " || $0 == ":" })
        else { throw TraceError(.badPlan, "`\(text)`: `\(interface)` is not an interface name") }
        if place == "host" {
            node = "host"
            namespace = .current
        } else if place.hasPrefix("netns:"), place.count > 6 {
            node = String(place.dropFirst(6))
            namespace = .named(node)
        } else if place.hasPrefix("pid:"), let pid = Int32(place.dropFirst(4)), pid > 0 {
            node = "pid\(pid)"
            namespace = .pid(pid)
        } else {
            throw TraceError(.badPlan, "`\(text)`: say where: netns:NAME/IFACE, pid:PID/IFACE or host/IFACE")
        }
    }

    /// The capture point this spec names, with `defaultRole` unless the spec gave one.
    package func capturePoint(defaultRole: HopRole, isSide: Bool = false) -> CapturePoint {
        CapturePoint(node: node, namespace: namespace, interface: interface, role: role ?? defaultRole, isSide: isSide)
    }
}

extension PointSpec {
    /// The endpoint this spec names, with its address and MAC read from the interface when not given.
    package func resolvedEndpoint(named name: String, queries: NamespaceQueries) throws(TraceError) -> ResolvedEndpoint
    {
        let facts: InterfaceFacts
        do { facts = try queries.interfaceFacts(namespace, interface) } catch let error as TraceError {
            throw error
        } catch {
            throw TraceError(.unreadableState, "cannot read \(node):\(interface): \(error)")
        }
        guard let address = ip ?? facts.addresses.first else {
            throw TraceError(.badPlan, "\(node):\(interface) has no IPv4 address; give one as \(name)@ADDRESS")
        }
        return ResolvedEndpoint(
            endpoint: name,
            node: node,
            namespace: namespace,
            interface: interface,
            ip: address,
            mac: facts.mac
        )
    }
}
