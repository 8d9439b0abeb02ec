import ArgumentParser
import Diagnosis
import Foundation
import Lab
import LabFaults
import NetworkModel

extension LXCDiag {
    /// `lxcdiag lab break FAULT`: makes one fault in the lab, recorded so `lab fix` undoes it.
    struct LabBreak: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "break",
            abstract: "Make one fault in the lab, to see what it looks like.",
            discussion: """
                Each fault is made with plain ip/bridge/nft/sysctl commands in the lab's namespaces and recorded in
                /run/lxcdiag/labs/NAME.faults with the commands that undo it. The list names the finding each fault
                should produce and the trace that shows it.

                loss and delay (netem, a kernel with sch_netem: probes/vm.sh boots one) are made on veth-ct1, \
                towards ct1, unless --hop names another interface of the lab's host or outside namespace \
                (IFACE, host:IFACE or ext:IFACE, as trace names hops); the qdisc holds the frames that \
                interface sends, so trace names the fault at that hop (requests: ext:sw-em1, host:veth-ct1; \
                replies: host:em1, ext:sw-cli). Their see-it trace sends a burst (--count).

                Example:
                  lxcdiag lab break --list
                  lxcdiag lab break port-blocking
                  lxcdiag trace --from ext --to ct1     # names BRIDGE_PORT_NOT_FORWARDING
                  lxcdiag lab fix port-blocking
                  lxcdiag lab break delay --hop ext:sw-em1
                  lxcdiag trace --count 20 --from ext --to ct1     # names LATENCY at ext:sw-em1
                """
        )

        @Argument(help: "The fault to make (see --list).", completion: Completions.faults)
        var fault: String?

        @Flag(help: "List the faults the lab can make, with the finding each produces.")
        var list = false

        @Option(help: "The lab's name (its namespaces are NAME-ext, NAME-host, ...).", completion: Completions.labs)
        var name = "lxcdiag"

        @Flag(help: "Print the commands instead of running them.")
        var dryRun = false

        @Option(
            help: ArgumentHelp(
                "For loss and delay: the interface whose sent frames netem holds (default veth-ct1).",
                valueName: "[host:|ext:]IFACE"
            )
        )
        var hop: String?

        func validate() throws {
            try validateLabName(name)
            if list {
                if let fault { throw ValidationError("--list lists every fault; drop '\(fault)' or --list") }
                return
            }
            guard let fault else { throw ValidationError("name a fault to make, or --list to see them") }
            guard let known = LabFaultCatalogue.fault(named: fault) else {
                throw ValidationError("no fault called \(fault); lxcdiag lab break --list shows them")
            }
            if let hop {
                guard known.takesHop else {
                    let choosable = LabFaultCatalogue.all.filter(\.takesHop).map(\.name).joined(separator: ", ")
                    throw ValidationError("--hop goes with \(choosable), not \(fault)")
                }
                if case .failure(let error) = FaultHop.parse(hop) { throw ValidationError(error.description) }
            }
        }

        func run() throws {
            try reportingErrors {
                if list {
                    printList()
                    return
                }
                guard let fault = fault.flatMap(LabFaultCatalogue.fault(named:)) else { return }
                try requireRoot("lab break")
                let lab = try LabLayout.recorded(name: name)
                try Self.requireLab(for: fault, name: name)
                let chosen = try hop.map { try FaultHop.parse($0).get() }
                if dryRun {
                    let actions = try fault.actions(in: lab, hop: chosen)
                    for command in actions.breakCommands { print(command.joined(separator: " ")) }
                    return
                }
                let actions = try AppliedFaults(lab: lab).apply(fault, hop: chosen)
                for command in actions.breakCommands { print("+ \(command.joined(separator: " "))") }
                print("\(fault.name): \(fault.summary(at: chosen))")
                print(
                    "see it: \(Self.seeIt(fault, lab: name, hop: chosen))   (expect \(fault.code.rawValue), exit 1)"
                )
                print(
                    "undo:   lxcdiag lab fix \(fault.name)\(name == LabConfiguration.defaultName ? "" : " --name \(name)")"
                )
            }
        }

        /// Fails (exit 3, one line) when the fault needs a VLAN lab of another style than the one that is up.
        static func requireLab(for fault: LabFault, name: String) throws {
            let built = try LabState.load(from: LabConfiguration(name: name).statePath)?.vlan
            guard let need = fault.needs, need != .netem else { return }
            let wanted: LabVLANStyle = need == .vlanAware ? .vlanAware : .subinterfaces
            guard wanted != built else { return }
            let flag = name == LabConfiguration.defaultName ? "" : " --name \(name)"
            throw CommandFailure(
                message: "fault \(fault.name) needs a lab built with `\(need.rawValue)`; "
                    + "run `lxcdiag lab up\(flag) \(need == .vlanAware ? "--vlan-aware" : "--vlan")` first",
                status: .environment
            )
        }

        /// The trace that shows `fault`, runnable as printed: a lab other than the default one names its
        /// endpoint file.
        static func seeIt(_ fault: LabFault, lab name: String, hop: FaultHop? = nil) -> String {
            let configuration = LabConfiguration(name: name)
            let endpoints = configuration.isDefaultLab ? "" : " --endpoints \(configuration.endpointsPath)"
            let extra = fault.traceArguments.map { " " + $0 }.joined()
            return "lxcdiag trace --from \(fault.traceFrom) --to \(fault.traceTarget(at: hop))\(extra)\(endpoints)"
        }

        private func printList() {
            let width = LabFaultCatalogue.all.map(\.name.count).max() ?? 0
            for fault in LabFaultCatalogue.all {
                let padded = fault.name.padding(toLength: width, withPad: " ", startingAt: 0)
                let needs = fault.needs.map { " (needs \($0.rawValue))" } ?? ""
                print(
                    "\(padded)  \(fault.code.rawValue.padding(toLength: 26, withPad: " ", startingAt: 0))  \(fault.summary)"
                        + needs
                )
            }
        }
    }

    /// `lxcdiag lab fix FAULT | --all`: undoes faults `lab break` made.
    struct LabFix: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "fix",
            abstract: "Undo a fault lab break made, or all of them.",
            discussion: """
                Replays the undo commands recorded when the fault was made (so a changed MAC or sysctl gets its old
                value back). A fault that was not recorded is undone with the catalogue's fix.

                Example:
                  lxcdiag lab fix port-blocking
                  lxcdiag lab fix --all
                """
        )

        @Argument(help: "The fault to undo.", completion: Completions.faults)
        var fault: String?

        @Flag(help: "Undo every recorded fault, the last made first.")
        var all = false

        @Option(help: "The lab's name.", completion: Completions.labs)
        var name = "lxcdiag"

        func validate() throws {
            try validateLabName(name)
            if all == (fault != nil) { throw ValidationError("name one fault to undo, or --all") }
            if let fault, LabFaultCatalogue.fault(named: fault) == nil {
                throw ValidationError("no fault called \(fault); lxcdiag lab break --list shows them")
            }
        }

        func run() throws {
            try reportingErrors {
                try requireRoot("lab fix")
                let applied = AppliedFaults(lab: (try? LabLayout.recorded(name: name)) ?? LabLayout(name: name))
                if let fault, !(try applied.isApplied(fault)) {
                    print("\(fault) is not applied to lab \(name); nothing to undo")
                    return
                }
                let names = all ? try applied.records().map(\.fault) : [fault ?? ""]
                let problems = all ? try applied.fixAll() : try applied.fix(fault ?? "")
                for problem in problems { FileHandle.standardError.write(Data("lxcdiag: \(problem)\n".utf8)) }
                print(names.isEmpty ? "no faults recorded for lab \(name)" : "fixed: \(names.joined(separator: ", "))")
                if !problems.isEmpty { throw ExitCode(ExitStatus.checkFailed.rawValue) }
            }
        }
    }
}

/// Refuses a lab name that cannot name namespaces (as `lab up --name` does).
private func validateLabName(_ name: String) throws {
    do { try LabConfiguration(name: name).validate() } catch { throw ValidationError("\(error)") }
}
