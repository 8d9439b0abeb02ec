import Foundation
import LinuxNet
import Testing

@Suite("ExternalCommand, as the lab uses it")
struct ExternalCommandLeakTests {
    @Test("running tools does not leak pipe descriptors (the lab runs hundreds per test run)")
    func noDescriptorLeak() throws {
        func openDescriptors() throws -> Int {
            try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count
        }
        let before = try openDescriptors()
        for _ in 0..<200 { try ExternalCommand.check(["true"]) }
        // Let the asynchronous closes after the last run land.
        usleep(200_000)
        // A leak of two descriptors per run would add 400; other suites running alongside open a few dozen.
        #expect(try openDescriptors() - before < 100)
    }
}
