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

    /// A folder of plan files and others: `other.yaml`, `notes.txt`, `plans/{lab.yaml,lab2.yml,notes.txt,
    /// .hidden.yaml,sub/}`; removed by the caller.
    private func planFolder() throws -> String {
        let folder =
            NSTemporaryDirectory() + "lxcdiag-completion-plans-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: folder + "/plans/sub", withIntermediateDirectories: true)
        for file in [
            "other.yaml", "notes.txt", "plans/lab.yaml", "plans/lab2.yml", "plans/notes.txt", "plans/.hidden.yaml",
        ] {
            try "reach: []\n".write(toFile: "\(folder)/\(file)", atomically: true, encoding: .utf8)
        }
        return folder
    }

    @Test(
        "the plan-file completer offers *.yaml and *.yml files and folders under what is typed, for check and trace --plan"
    )
    func planFileCompleter() throws {
        let folder = try planFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // What the generated scripts run, from the folder the user is in.
        func complete(_ command: String, _ option: String, _ typed: String) throws -> [String] {
            let words = ["lxcdiag", command] + (option.hasPrefix("--") ? [option] : []) + [typed]
            let (status, output, errors) = try run(
                [
                    "-C", folder, binaryUnderTest, "---completion", command, "--", option, "\(words.count - 1)",
                    "\(typed.count)",
                ] + words
            )
            #expect(status == 0, "\(errors)")
            return output.split(separator: "\n").map(String.init)
        }
        #expect(try complete("check", "positional@0", "") == ["other.yaml", "plans/"])
        #expect(try complete("check", "positional@0", "plans/") == ["plans/lab.yaml", "plans/lab2.yml", "plans/sub/"])
        #expect(try complete("check", "positional@0", "plans/la") == ["plans/lab.yaml", "plans/lab2.yml"])
        #expect(try complete("check", "positional@0", "plans/.") == ["plans/.hidden.yaml"])
        #expect(try complete("trace", "--plan", "plans/lab2") == ["plans/lab2.yml"])
        #expect(try complete("trace", "--plan", "\(folder)/pl") == ["\(folder)/plans/"])
    }

    @Test("bash, zsh and fish complete plan files through their generated scripts (check PLAN, trace --plan)")
    func planFilesInEveryShell() throws {
        let folder = try planFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let binaries = URL(fileURLWithPath: binaryUnderTest).deletingLastPathComponent().path
        for shell in ["bash", "zsh", "fish"] where installed(shell) {
            let (_, script, _) = try run([binaryUnderTest, "--generate-completion-script", shell])
            let file = "\(folder)/completion.\(shell)"
            try script.write(toFile: file, atomically: true, encoding: .utf8)
            let probe: String
            switch shell {
            case "bash":
                probe = """
                    source \(file)
                    complete_line() {
                        COMP_LINE="$1"; COMP_POINT=${#COMP_LINE}; read -ra COMP_WORDS <<< "$COMP_LINE"
                        COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); COMPREPLY=()
                        _lxcdiag lxcdiag "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
                        printf '%s\\n' "${COMPREPLY[@]}"
                    }
                    complete_line 'lxcdiag check plans/la'
                    complete_line 'lxcdiag trace --from ext --to ct1 --plan plans/la'
                    """
            case "zsh":
                // zsh's completion widgets need a terminal; the script's own helper is run as a widget runs it,
                // with what compadd would be given printed instead.
                let check = try #require(script.range(of: "---completion check -- positional@0"))
                let plan = try #require(script.range(of: "---completion trace -- --plan"))
                #expect(!check.isEmpty && !plan.isEmpty)
                probe = """
                    compdef() { : }
                    source \(file)
                    __lxcdiag_complete() { print -l -- "$@" }
                    complete_line() {
                        local -x SAP_SHELL=zsh; local command_name=lxcdiag; local -a command_line
                        command_line=(${(z)1})
                        __lxcdiag_custom_complete ---completion $2 -- $3 $(( ${#command_line} - 1 )) ${#command_line[-1]}
                    }
                    complete_line 'lxcdiag check plans/la' check positional@0
                    complete_line 'lxcdiag trace --from ext --to ct1 --plan plans/la' trace --plan
                    """
            default:
                // Off a terminal, fish 3.6 gives `complete -C` no cursor position (`commandline -tC` is empty and
                // the script passes no cursor argument); the probe supplies the token's length, the cursor at
                // its end, and otherwise runs the script as generated.
                probe = """
                    source \(file)
                    functions -c __lxcdiag_tokens __lxcdiag_tokens_generated
                    function __lxcdiag_tokens
                        if contains -- -tC $argv
                            string length -- (commandline -t)
                        else
                            __lxcdiag_tokens_generated $argv
                        end
                    end
                    complete -C 'lxcdiag check plans/la'
                    complete -C 'lxcdiag trace --from ext --to ct1 --plan plans/la'
                    """
            }
            let (status, output, errors) = try run(
                ["-C", folder, "HOME=\(folder)", "PATH=\(binaries):/usr/bin:/bin", shell]
                    + (shell == "fish" ? ["-i"] : []) + ["-c", probe]
            )
            #expect(status == 0, "\(shell): \(errors)")
            let offered = output.split(separator: "\n").map { String($0.split(separator: "\t").first ?? "") }
            #expect(
                offered == ["plans/lab.yaml", "plans/lab2.yml", "plans/lab.yaml", "plans/lab2.yml"],
                "\(shell): \(output) \(errors)"
            )
        }
    }
}
