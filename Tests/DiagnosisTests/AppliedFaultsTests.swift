import Foundation
import LabFaults
import Testing

@Suite("Applied fault records")
struct AppliedFaultsTests {
    @Test("a lab that is not up, and an unknown fault, are refused with a message naming them")
    func refusals() throws {
        let directory = NSTemporaryDirectory() + "lxcdiag-tfaults-\(UInt32.random(in: 0..<UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let applied = AppliedFaults(lab: LabLayout(name: "lxcdiag-tnone"), directory: directory)
        let fault = try #require(LabFaultCatalogue.fault(named: "port-blocking"))
        #expect(throws: LabFaultError.self) { try applied.apply(fault) }
        do {
            try applied.fix("no-such-fault")
            Issue.record("fixing an unknown fault succeeded")
        } catch {
            #expect(error.description.contains("no-such-fault"))
        }
        #expect(try applied.records().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: applied.path))
    }

    @Test("catalogue: unique names, one line each")
    func catalogue() {
        let names = LabFaultCatalogue.all.map(\.name)
        #expect(Set(names).count == names.count)
        for fault in LabFaultCatalogue.all {
            #expect(!fault.summary.contains("\n"))
            #expect(fault.name == fault.name.lowercased())
        }
    }

    @Test("a fault applied twice is refused; the record holds the undo until fixed", .enabled(if: getuid() == 0))
    func twice() throws {
        let lab = try FaultLab()
        defer { lab.tearDown() }
        let fault = try #require(LabFaultCatalogue.fault(named: "duplicate-mac"))
        let actions = try lab.faults.apply(fault)
        #expect(throws: LabFaultError.self) { try lab.faults.apply(fault) }
        let records = try lab.faults.records()
        #expect(records.map(\.fault) == ["duplicate-mac"])
        // The undo restores ct2's own MAC, read when the fault was made.
        #expect(records.first?.fixCommands == actions.fixCommands)
        #expect(actions.fixCommands.first?.last != actions.breakCommands.first?.last)
        #expect(try lab.faults.fixAll().isEmpty)
        #expect(try lab.faults.records().isEmpty)
    }
}
