import Foundation
import Glibc
import KernelDrops
import TestSupport
import Testing

/// Runs the built `lxcdiag kernel-drops` and interrupts it, as a user would. Part of the serialized root
/// suite, because `removeStaleInstances` in one test would otherwise clean another test's leftover.
extension DropRecorderTests {
    private static let executable = LXCDiagExecutable.path

    /// Starts `lxcdiag kernel-drops` and waits until its instance exists; returns the process and instance path.
    private func startRecording() throws -> (Process, String) {
        try #require(FileManager.default.isExecutableFile(atPath: Self.executable), "build lxcdiag first")
        let fileSystem = try TraceFileSystem.mounted()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.executable)
        process.arguments = ["kernel-drops", "--length", "1234", "--seconds", "30"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let prefix = "lxcdiag-\(process.processIdentifier)-"
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: "\(fileSystem.root)/instances")) ?? []
            if let name = names.first(where: { $0.hasPrefix(prefix) }) {
                return (process, "\(fileSystem.root)/instances/\(name)")
            }
            usleep(20_000)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        throw CancellationError()
    }

    private func waitForExit(_ process: Process) {
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    @Test(
        "SIGTERM and Ctrl-C (SIGINT) remove the instance before lxcdiag exits, during setup or while recording",
        arguments: [(SIGTERM, 0), (SIGINT, 0), (SIGTERM, 300_000), (SIGINT, 300_000)] as [(Int32, UInt32)]
    )
    func signalRemovesInstance(signal: Int32, delayMicroseconds: UInt32) throws {
        let (process, instance) = try startRecording()
        usleep(delayMicroseconds)
        kill(process.processIdentifier, signal)
        waitForExit(process)
        #expect(process.terminationStatus == 128 + signal)
        #expect(!FileManager.default.fileExists(atPath: instance))
    }

    @Test("an instance left by a SIGKILLed run is removed by the next start")
    func killedRunIsCleanedLater() throws {
        let (process, instance) = try startRecording()
        kill(process.processIdentifier, SIGKILL)
        waitForExit(process)
        #expect(FileManager.default.fileExists(atPath: instance))
        let removed = DropRecorder.removeStaleInstances()
        #expect(removed.contains(URL(fileURLWithPath: instance).lastPathComponent))
        #expect(!FileManager.default.fileExists(atPath: instance))
    }
}
