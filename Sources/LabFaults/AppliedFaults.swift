import Foundation
import LinuxNet

/// The faults applied to one lab and how to undo each, kept in `/run/lxcdiag/labs/NAME.faults` (JSON) so
/// `lab fix --all` undoes them from another process.
package struct AppliedFaults: Sendable {
    /// One applied fault and the commands that undo it, computed when it was applied.
    package struct Record: Sendable, Hashable, Codable {
        package var fault: String
        package var fixCommands: [[String]]
    }

    package static let defaultDirectory = "/run/lxcdiag/labs"

    package var lab: LabLayout
    package var directory: String

    package init(lab: LabLayout, directory: String = defaultDirectory) {
        self.lab = lab
        self.directory = directory
    }

    package var path: String { "\(directory)/\(lab.name).faults" }

    /// The records in the order the faults were applied.
    package func records() throws(LabFaultError) -> [Record] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        do {
            return try JSONDecoder().decode([Record].self, from: data)
        } catch {
            throw LabFaultError("\(path) is not a fault record (\(error)); remove it and fix the lab by hand")
        }
    }

    /// Applies `fault`: computes its actions, records the fix, then runs the break commands. A break that fails
    /// half way is undone (and unrecorded) before the error is thrown.
    @discardableResult
    package func apply(_ fault: LabFault, hop: FaultHop? = nil) throws(LabFaultError) -> FaultActions {
        guard lab.exists else { throw LabFaultError("lab \(lab.name) is not up (no namespace \(lab.host))") }
        let current = try records()
        if current.contains(where: { $0.fault == fault.name }) {
            throw LabFaultError(
                "\(fault.name) is already applied to lab \(lab.name); lxcdiag lab fix \(fault.name) first"
            )
        }
        let actions: FaultActions
        do { actions = try fault.actions(in: lab, hop: hop) } catch let error as LabFaultError { throw error } catch {
            throw LabFaultError("\(fault.name): \(error)")
        }
        // Recorded first, so a break cut short (Ctrl-C between two commands) is still undone by `lab fix`.
        try save(current + [Record(fault: fault.name, fixCommands: actions.fixCommands)])
        do {
            for command in actions.breakCommands { try ExternalCommand.check(command) }
        } catch {
            Self.runAll(actions.fixCommands)
            try save(current)
            throw LabFaultError("\(fault.name) could not be applied: \(error)")
        }
        return actions
    }

    /// Undoes the fault called `name` with the commands recorded when it was applied (or, when it was not
    /// recorded, with the catalogue's fix as it reads now). Returns the problems met (commands that failed).
    @discardableResult
    package func fix(_ name: String) throws(LabFaultError) -> [String] {
        var current = try records()
        let commands: [[String]]
        if let index = current.firstIndex(where: { $0.fault == name }) {
            commands = current.remove(at: index).fixCommands
        } else if let fault = LabFaultCatalogue.fault(named: name) {
            do { commands = try fault.actions(in: lab).fixCommands } catch {
                throw LabFaultError("\(name): \(error)")
            }
        } else {
            throw LabFaultError("no fault called \(name) (lxcdiag lab break --list)")
        }
        let problems = Self.runAll(commands)
        try save(current)
        forgetNeighbours()
        return problems
    }

    /// Whether `name` is recorded as applied to the lab.
    package func isApplied(_ name: String) throws(LabFaultError) -> Bool {
        try records().contains { $0.fault == name }
    }

    /// Empties the learned (not permanent) ARP caches of the lab's namespaces and the learned entries of its
    /// bridges: a fault that moved an address or a MAC (ARP flux, a duplicate, a second interface) leaves entries
    /// pointing at what is gone, and the next connection would fail on them although the fault is undone.
    private func forgetNeighbours() {
        var commands = [
            ["ip", "-n", lab.ext, "neigh", "flush", "all"], ["ip", "-n", lab.host, "neigh", "flush", "all"],
            // ct1's MAC learned on veth-ct2 while ct2 wore it ages out only after 300 s.
            ["bridge", "-n", lab.host, "fdb", "flush", "dev", "br0", "dynamic"],
            ["bridge", "-n", lab.ext, "fdb", "flush", "dev", "sw0", "dynamic"],
        ]
        for member in ["ct1", "ct2", "ct3", "ct4"] {
            if let inside = try? lab.inContainer(member, ["ip", "neigh", "flush", "all"]) { commands.append(inside) }
        }
        Self.runAll(commands)
    }

    /// Undoes every recorded fault, the last applied first.
    @discardableResult
    package func fixAll() throws(LabFaultError) -> [String] {
        var problems: [String] = []
        for record in try records().reversed() { problems += try fix(record.fault) }
        return problems
    }

    /// Runs every command even when one fails (an undo should go as far as it can); returns the failures.
    @discardableResult
    static func runAll(_ commands: [[String]]) -> [String] {
        commands.compactMap { command in
            do {
                try ExternalCommand.check(command)
                return nil
            } catch {
                return "\(error)"
            }
        }
    }

    private func save(_ records: [Record]) throws(LabFaultError) {
        do {
            if records.isEmpty {
                if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
                return
            }
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(records).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw LabFaultError("cannot write \(path): \(error.localizedDescription)")
        }
    }
}
