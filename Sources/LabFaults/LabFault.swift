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

    init(
        _ name: String,
        _ summary: String,
        _ code: FindingCode,
        trace: (String, String) = ("ext", "ct1"),
        traceArguments: [String] = [],
        needs: LabFaultNeed? = nil,
        plan: @escaping @Sendable (LabLayout) throws -> FaultActions
    ) {
        self.traceArguments = traceArguments
        self.needs = needs
        self.name = name
        self.summary = summary
        self.code = code
        self.traceFrom = trace.0
        self.traceTo = trace.1
        self.plan = plan
    }

    /// The break and fix command lines for `lab`, as they would run now.
    package func actions(in lab: LabLayout) throws -> FaultActions { try plan(lab) }
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
