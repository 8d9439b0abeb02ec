import Foundation
import Testing

/// `generate-manual-tool`, which swift-argument-parser's generate-manual plugin builds next to lxcdiag
/// (`swift package generate-manual`, as probes/install-docs.sh runs it).
private let manualTool = URL(fileURLWithPath: binaryUnderTest).deletingLastPathComponent()
    .appendingPathComponent("generate-manual-tool").path

/// Runs `arguments` (a path or a command on PATH), returning status and standard output.
private func run(_ arguments: [String], environment: [String: String] = [:]) throws -> (Int32, String, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
    let output = Pipe()
    let error = Pipe()
    process.standardOutput = output
    process.standardError = error
    try process.run()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    let errors = String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, text, errors)
}

private func installed(_ tool: String) -> Bool {
    ["/usr/bin", "/bin", "/usr/local/bin"].contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)") }
}

@Suite(
    "man page and shell completions",
    .enabled(if: FileManager.default.isExecutableFile(atPath: binaryUnderTest), "needs the built lxcdiag binary")
)
struct ManualAndCompletionTests {
    @Test(
        "the generated man page renders with man -l: name, synopsis, every subcommand, the exit codes",
        .enabled(
            if: FileManager.default.isExecutableFile(atPath: manualTool),
            "run `swift package generate-manual` once"
        )
    )
    func manualRenders() throws {
        let folder = NSTemporaryDirectory() + "lxcdiag-man-\(getpid())"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (generated, _, generateErrors) = try run([
            manualTool, binaryUnderTest, "--date", "2026-12-01", "-o", folder,
        ])
        #expect(generated == 0, "\(generateErrors)")
        let (status, page, _) = try run(["man", "-l", "\(folder)/lxcdiag.1"], environment: ["MANWIDTH": "100"])
        #expect(status == 0)
        // man renders with overstrikes when not on a terminal; compare the plain letters.
        let plain = page.replacingOccurrences(of: ".\u{8}", with: "", options: .regularExpression)
        for heading in ["NAME", "SYNOPSIS", "DESCRIPTION"] { #expect(plain.contains("\n\(heading)\n")) }
        #expect(plain.contains("lxcdiag — Find where frames die"))
        for subcommand in ["trace", "topo", "path", "doctor", "settings", "endpoints", "kernel-drops", "lab", "arp"] {
            // A tag list: the name at the left margin of the list, then its abstract on the same or the next line.
            #expect(
                plain.contains("\n     \(subcommand)\n") || plain.contains("\n     \(subcommand) "),
                "no \(subcommand) entry"
            )
        }
        #expect(plain.contains("2 usage"))
    }

    @Test("bash, zsh and fish completion scripts parse (bash -n, zsh -n, fish -n where installed)")
    func scriptsParse() throws {
        for shell in ["bash", "zsh", "fish"] where installed(shell) {
            let (generated, script, _) = try run([binaryUnderTest, "--generate-completion-script", shell])
            #expect(generated == 0 && script.contains("lxcdiag"))
            let file = NSTemporaryDirectory() + "lxcdiag-completion-\(getpid()).\(shell)"
            try script.write(toFile: file, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: file) }
            let (status, _, errors) = try run([shell, "-n", file])
            #expect(status == 0, "\(shell) -n: \(errors)")
        }
        #expect(installed("bash"))
    }

    @Test("the custom completer prints the endpoint file's names after host, filtered by what is typed")
    func endpointCompleter() throws {
        let file = NSTemporaryDirectory() + "lxcdiag-completion-endpoints-\(getpid()).json"
        let endpoints =
            #"{"schema":"lxcdiag.endpoints/1","endpoints":["#
            + #"{"name":"ext","kind":"netns","netns":"lxcdiag-nosuch-ext","interface":"eth0"},"#
            + #"{"name":"ct1","kind":"netns","netns":"lxcdiag-nosuch-ct1","interface":"eth0"}]}"#
        try endpoints.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        // What the generated scripts run: ---completion SUBCOMMAND -- OPTION WORD-INDEX CURSOR WORDS...
        let words = ["lxcdiag", "trace", "--endpoints", file, "--from"]
        let (status, all, _) = try run(
            [binaryUnderTest, "---completion", "trace", "--", "--from", "5", "0"] + words + [""]
        )
        #expect(status == 0)
        let names = all.split(separator: "\n").map(String.init)
        #expect(Array(names.prefix(3)) == ["host", "ext", "ct1"])
        let (_, typed, _) = try run(
            [binaryUnderTest, "---completion", "trace", "--", "--from", "5", "1"] + words + ["c"]
        )
        #expect(typed.split(separator: "\n").first == "ct1")
    }

    @Test("bash completes fault names through the generated script and lxcdiag's custom completer")
    func bashFaultNames() throws {
        let (_, script, _) = try run([binaryUnderTest, "--generate-completion-script", "bash"])
        let file = NSTemporaryDirectory() + "lxcdiag-completion-\(getpid())-faults.bash"
        try script.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let folder = URL(fileURLWithPath: binaryUnderTest).deletingLastPathComponent().path
        let probe = """
            source \(file)
            COMP_WORDS=(lxcdiag lab break po); COMP_CWORD=3; COMP_LINE='lxcdiag lab break po'; COMP_POINT=${#COMP_LINE}
            PATH=\(folder):$PATH _lxcdiag
            printf '%s\\n' "${COMPREPLY[@]}"
            """
        let (status, output, errors) = try run(["bash", "-c", probe])
        #expect(status == 0, "\(errors)")
        #expect(output.split(separator: "\n") == ["port-blocking"])
    }
}
