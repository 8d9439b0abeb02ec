internal import LinuxNet
package import NetworkModel

/// One fault the lab can make: what it breaks, the finding it should produce, and how to make and undo it.
///
/// Both actions are command lines run in the lab's namespaces. They are computed when the fault is applied (some
/// need a MAC or a setting read from the lab then), and the fix computed at that moment is what `lab fix`
/// replays, so an undo restores what was there.
package struct LabFault: Sendable {
    /// The name `lab break` takes, such as `port-blocking`.
    package var name: String
    /// One line saying what breaks.
    package var summary: String
    /// The finding a trace (or doctor) should report for it.
    package var code: FindingCode
    /// The endpoints a trace that shows the fault runs between, such as `ext` and `ct1`.
    package var traceFrom: String
    package var traceTo: String
    /// What else the trace that shows the fault needs, such as `--tcp 443`.
    package var traceArguments: [String]
    /// The lab the fault needs (`lab up --vlan` or `--vlan-aware`, or a kernel with netem); nil for any lab.
    package var needs: LabFaultNeed?
    let plan: @Sendable (LabLayout) throws -> FaultActions
    /// For a fault made on a chosen hop (`lab break loss --hop IFACE`): the actions there, and the summary.
    let hopPlan: (@Sendable (LabLayout, FaultHop) throws -> FaultActions)?
    let hopSummary: (@Sendable (FaultHop) -> String)?

    /// Whether `lab break NAME --hop IFACE` may choose where the fault is made.
    package var takesHop: Bool { hopPlan != nil }

    init(
        _ name: String,
        _ summary: String,
        _ code: FindingCode,
        trace: (String, String) = ("ext", "ct1"),
        traceArguments: [String] = [],
        needs: LabFaultNeed? = nil,
        plan: @escaping @Sendable (LabLayout) throws -> FaultActions
    ) {
        hopPlan = nil
        hopSummary = nil
        self.traceArguments = traceArguments
        self.needs = needs
        self.name = name
        self.summary = summary
        self.code = code
        self.traceFrom = trace.0
        self.traceTo = trace.1
        self.plan = plan
    }

    /// A fault made on one hop of the lab, `defaultHop` unless `lab break --hop` chooses another.
    init(
        _ name: String,
        _ code: FindingCode,
        defaultHop: FaultHop,
        traceArguments: [String],
        needs: LabFaultNeed?,
        summary: @escaping @Sendable (FaultHop) -> String,
        plan: @escaping @Sendable (LabLayout, FaultHop) throws -> FaultActions
    ) {
        self.name = name
        self.summary = summary(defaultHop)
        self.code = code
        self.traceFrom = "ext"
        self.traceTo = "ct1"
        self.traceArguments = traceArguments
        self.needs = needs
        self.plan = { lab in try plan(lab, defaultHop) }
        hopPlan = plan
        hopSummary = summary
    }

    /// The break and fix command lines for `lab`, as they would run now (on `hop` when the fault takes one).
    package func actions(in lab: LabLayout, hop: FaultHop? = nil) throws -> FaultActions {
        if let hop, let hopPlan { return try hopPlan(lab, hop) }
        return try plan(lab)
    }

    /// The one-line summary, for `hop` when the fault takes one.
    package func summary(at hop: FaultHop?) -> String {
        if let hop, let hopSummary { return hopSummary(hop) }
        return summary
    }

    /// The target of the trace that shows the fault made at `hop`: the container behind a `veth-ctN`, else the
    /// catalogue's.
    package func traceTarget(at hop: FaultHop?) -> String {
        guard let hop, hop.interface.hasPrefix("veth-ct"), Int(hop.interface.dropFirst("veth-ct".count)) != nil else {
            return traceTo
        }
        return String(hop.interface.dropFirst("veth-".count))
    }
}

/// Where `lab break loss|delay --hop` makes its fault: an interface of the lab's host or outside namespace, as
/// trace names hops (`host:veth-ct1`, `ext:sw-em1`); a bare name is looked for in the host, then outside.
package struct FaultHop: Sendable, Hashable, CustomStringConvertible {
    /// `host` or `ext`; nil until resolved against a lab.
    package var node: String?
    package var interface: String

    package init(node: String?, interface: String) {
        self.node = node
        self.interface = interface
    }

    /// Parses `[host:|ext:]IFACE`; nil (with the reason) when it is not one.
    package static func parse(_ text: String) -> Result<FaultHop, LabFaultError> {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let (node, interface): (String?, String) =
            parts.count == 2 ? (parts[0], parts[1]) : (nil, parts[0])
        if parts.count > 2 || (node.map { !["host", "ext"].contains($0) } ?? false) {
            return .failure(LabFaultError("--hop '\(text)': give IFACE, host:IFACE or ext:IFACE"))
        }
        let valid =
            !interface.isEmpty && interface.count <= 15
            && interface.allSatisfy { $0.isLetter || $0.isNumber || "-_.@".contains($0) }
        guard valid else { return .failure(LabFaultError("--hop '\(text)': '\(interface)' is not an interface name")) }
        return .success(FaultHop(node: node, interface: interface))
    }

    /// The namespace of the lab the hop is in, checked: the one named, else the host's or the outside one's.
    package func namespace(in lab: LabLayout) throws(LabFaultError) -> (node: String, netns: String) {
        let candidates = node.map { [$0] } ?? ["host", "ext"]
        for candidate in candidates {
            let netns = candidate == "host" ? lab.host : lab.ext
            if (try? ExternalCommand.check(["ip", "-n", netns, "link", "show", "dev", interface])) != nil {
                return (candidate, netns)
            }
        }
        throw LabFaultError(
            "--hop \(self): no interface \(interface) in lab \(lab.name)'s \(candidates.joined(separator: " or ")) "
                + "namespace (ip -n \(lab.host) link; ip -n \(lab.ext) link)"
        )
    }

    package var description: String { node.map { "\($0):\(interface)" } ?? interface }
}

/// What a fault needs beyond the plain lab: the kernel this machine may lack (probes/vm.sh boots one).
package enum LabFaultNeed: String, Sendable, Hashable {
    /// A lab built with `lab up --vlan` (802.1Q subinterfaces em1.211 and em1.103).
    case vlanSubinterfaces = "lab up --vlan"
    /// A lab built with `lab up --vlan-aware` (br0 with vlan_filtering 1).
    case vlanAware = "lab up --vlan-aware"
    /// A kernel with the netem qdisc (sch_netem).
    case netem = "a kernel with netem"
}

/// The command lines that make a fault and the ones that undo it.
package struct FaultActions: Sendable, Hashable, Codable {
    package var breakCommands: [[String]]
    package var fixCommands: [[String]]

    package init(breakCommands: [[String]], fixCommands: [[String]]) {
        self.breakCommands = breakCommands
        self.fixCommands = fixCommands
    }
}
