import Foundation
import Glibc
import TestSupport
import Testing

/// Runs the built `lxcdiag` with `arguments`; returns the exit status and standard error's lines.
private func runLXCDiag(_ arguments: [String]) throws -> (status: Int32, errorLines: [String]) {
    let executable = LXCDiagExecutable.path
    try #require(FileManager.default.isExecutableFile(atPath: executable), "build lxcdiag first")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let error = Pipe()
    process.standardOutput = FileHandle.nullDevice
    process.standardError = error
    try process.run()
    let text = String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (
        process.terminationStatus,
        text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    )
}

/// Issue 9 item 5: `--interface` went unescaped into the kernel's filter; bad values were accepted silently.
@Suite("kernel-drops refuses what cannot go into a kernel filter, in one line")
struct KernelDropsCommandTests {
    @Test(
        "a malformed --interface, --length or --seconds: exit 2 and one lxcdiag line naming it",
        arguments: [
            (
                ["--interface", #"x" || len != 0 || name == "y"#],
                #"--interface "x\" || len != 0 || name == \"y" is not a valid interface name: it contains a quote or backslash"#
            ),
            (["--interface", ""], #"--interface "" is not a valid interface name: it is empty"#),
            (["--interface", "a\nb"], #"--interface "a\nb" is not a valid interface name"#),
            (["--interface", "sixteen-chars-xx"], "is 16 bytes long"),
            (["--interface", "eth0/1"], "contains '/'"),
            (["--length", "59"], "--length 59 is not an Ethernet frame length (60-65535)"),
            (["--length", "65536"], "--length 65536 is not an Ethernet frame length"),
            (["--seconds=-1"], "--seconds -1.0 is out of range (0 to 86400)"),
            (["--seconds", "86401"], "--seconds 86401.0 is out of range"),
            (["--seconds", "nan"], "--seconds nan is out of range"),
        ] as [([String], String)]
    )
    func malformed(arguments: [String], message: String) throws {
        let lengths = arguments.contains("--length") ? [] : ["--length", "1027"]
        let run = try runLXCDiag(
            ["kernel-drops"] + lengths + arguments
                + ["--seconds", "0"].filter { _ in
                    !arguments.contains { $0.hasPrefix("--seconds") }
                }
        )
        #expect(run.status == 2)
        #expect(run.errorLines.count == 1, "\(run.errorLines)")
        #expect(run.errorLines.first?.hasPrefix("lxcdiag: ") == true, "\(run.errorLines)")
        #expect(run.errorLines.first?.contains(message) == true, "\(run.errorLines)")
    }

    @Test(
        "an --interface that does not exist in the namespace read: exit 3, one line naming the namespace",
        .enabled(if: getuid() == 0, "needs root")
    )
    func missingInterface() throws {
        let run = try runLXCDiag(["kernel-drops", "--length", "1027", "--interface", "nosuch0", "--seconds", "0"])
        #expect(run.status == 3)
        #expect(
            run.errorLines == [
                #"lxcdiag: --interface "nosuch0": no such interface in the current namespace (-n NAME looks in a namespace under /run/netns)"#
            ]
        )
    }

    @Test(
        "an interface of another namespace is found with -n, and refused without it",
        .enabled(if: getuid() == 0, "needs root")
    )
    func interfaceInNamedNamespace() throws {
        let lab = try DropLab()
        defer { lab.tearDown() }
        let base = ["kernel-drops", "--length", "1027", "--interface", lab.senderInterface, "--seconds", "0"]
        let found = try runLXCDiag(base + ["-n", lab.sender])
        #expect(found.status == 0, "\(found.errorLines)")
        let missing = try runLXCDiag(base + ["-n", lab.receiver])
        #expect(missing.status == 3)
        #expect(missing.errorLines.count == 1 && missing.errorLines[0].contains("netns \(lab.receiver)"))
        let real = try runLXCDiag(["kernel-drops", "--length", "1027", "--interface", "lo", "--seconds", "0"])
        #expect(real.status == 0, "\(real.errorLines)")
    }

    @Test(
        "an instance that cannot be removed is named in exactly one warning line, and the run still exits 0",
        .enabled(if: getuid() == 0, "needs root")
    )
    func unremovableInstanceWarns() throws {
        let executable = LXCDiagExecutable.path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["kernel-drops", "--length", "1110", "--seconds", "1", "--json"]
        let error = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = error
        try process.run()
        defer {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        let directory = "/sys/kernel/tracing/instances"
        var path: String?
        let deadline = Date().addingTimeInterval(10)
        while path == nil && process.isRunning && Date() < deadline {
            usleep(5_000)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            path = names.first { $0.hasPrefix("lxcdiag-\(process.processIdentifier)-") }.map { "\(directory)/\($0)" }
        }
        let instance = try #require(path, "kernel-drops never made its instance")
        // Hold one of its files open until lxcdiag has exited, so the kernel refuses the removal throughout.
        var holder: Int32 = -1
        while holder < 0 && process.isRunning && Date() < deadline {
            holder = open("\(instance)/trace", O_RDONLY)
            if holder < 0 { usleep(1_000) }
        }
        try #require(holder >= 0)
        defer { rmdir(instance) }
        let text = String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        close(holder)
        #expect(process.terminationStatus == 0)
        let warnings = text.split(separator: "\n").filter { $0.contains("warning") }
        #expect(
            warnings == [
                "lxcdiag: warning: could not remove tracefs instance \(instance) (Device or resource busy); the next lxcdiag run removes it, or `rmdir \(instance)`"
            ]
        )
        // Once the holder is gone the kernel lets it go, though not always at the first try (as the recorder's
        // own removal retries).
        #expect(removeInstance(instance))
    }
}
