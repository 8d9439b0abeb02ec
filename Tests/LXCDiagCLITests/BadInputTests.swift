import Foundation
import TestSupport
import Testing

/// One bad command line from `bad-inputs.json` and the exit status it must end with.
struct BadInput: Decodable, Sendable, CustomTestStringConvertible {
    var category: String
    var args: [String]
    var exit: Int32

    var testDescription: String { "\(category): lxcdiag \(args.joined(separator: " "))" }
}

/// The table of bad inputs: every subcommand, every endpoint form, the endpoint file, numeric bounds.
let badInputs: [BadInput] = {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("bad-inputs.json")
    guard let data = try? Data(contentsOf: url), let cases = try? JSONDecoder().decode([BadInput].self, from: data)
    else { return [] }
    return cases
}()

/// The files the table's `$NAME` placeholders stand for, made once in a private folder.
final class BadInputFixtures: Sendable {
    static let shared = BadInputFixtures()
    let folder: String

    private init() {
        folder = NSTemporaryDirectory() + "lxcdiag-bad-inputs-\(getpid())"
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        // Endpoints whose namespaces do not exist: a command that resolved them would fail before sending.
        let ext = #"{"name":"ext","kind":"netns","netns":"lxcdiag-nosuch-ext","interface":"eth0","ip":"203.0.113.1"}"#
        let files = [
            "FILE": #"{"schema":"lxcdiag.endpoints/1","endpoints":[\#(ext)]}"#,
            "BADJSON": "{not json",
            "BADKIND": #"{"schema":"lxcdiag.endpoints/1","endpoints":[{"name":"ext","kind":"bogus"}]}"#,
            "DUPNAMES": #"{"schema":"lxcdiag.endpoints/1","endpoints":[\#(ext),\#(ext)]}"#,
            "BADIP": #"{"schema":"lxcdiag.endpoints/1","endpoints":[{"name":"ext","kind":"netns","ip":"999.1.1.1"}]}"#,
            "NOTOBJECT": "[1,2,3]",
        ]
        for (name, text) in files {
            _ = FileManager.default.createFile(atPath: "\(folder)/\(name).json", contents: Data(text.utf8))
        }
        try? FileManager.default.createDirectory(atPath: "\(folder)/DIR", withIntermediateDirectories: true)
    }

    /// `args` with every `$NAME` replaced by its fixture's path.
    func expand(_ args: [String]) -> [String] {
        args.map { argument in
            guard argument.hasPrefix("$") else { return argument }
            let name = String(argument.dropFirst())
            return name == "DIR" ? "\(folder)/DIR" : "\(folder)/\(name).json"
        }
    }
}

/// The binary under test: `LXCDIAG_BINARY` (to measure another build against the same table), else the one
/// SwiftPM built next to the test bundle.
let binaryUnderTest: String = {
    if let path = ProcessInfo.processInfo.environment["LXCDIAG_BINARY"] { return path }
    return LXCDiagExecutable.path
}()

/// What one run of the binary did.
struct BadInputRun: Sendable {
    var status: Int32
    var signalled: Bool
    var standardOutput: String
    var standardError: String

    /// The stderr lines, without a trailing empty one.
    var errorLines: [Substring] { standardError.split(separator: "\n", omittingEmptySubsequences: false).dropLast() }

    /// A user error as the README promises it: one line naming the thing, no crash, no backtrace. With `--json`
    /// the line is a `lxcdiag.error/1` object whose `message` is that line and whose `exit_status` is the status.
    func behaves(expecting status: Int32, json: Bool = false) -> Bool {
        guard !signalled, self.status == status, errorLines.count == 1 else { return false }
        guard json else { return errorLines[0].hasPrefix("lxcdiag: ") }
        guard let object = try? JSONSerialization.jsonObject(with: Data(errorLines[0].utf8)) as? [String: Any]
        else { return false }
        return object["schema"] as? String == "lxcdiag.error/1" && object["exit_status"] as? Int == Int(status)
            && (object["message"] as? String)?.hasPrefix("lxcdiag: ") == true && object["command"] is String
    }
}

/// The environment every run of the binary gets: the guard that refuses to send in this namespace (no test may
/// reach the machine's own network), and `extra`.
func guardedEnvironment(_ extra: [String: String] = [:]) -> [String: String] {
    var environment = ProcessInfo.processInfo.environment
    var status = stat()
    if stat("/proc/self/ns/net", &status) == 0 {
        environment["LXCDIAG_REFUSE_SENDING_IN_NETNS"] = "\(status.st_ino)"
    }
    return environment.merging(extra) { $1 }
}

/// Runs `executable arguments` with no standard input, killed after `seconds` (a run that goes on is a failure,
/// not a hang), and returns what it did.
func runProcess(
    _ executable: String,
    _ arguments: [String],
    environment: [String: String],
    seconds: Double = 60
) throws -> BadInputRun {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.environment = environment
    let output = Pipe()
    let error = Pipe()
    process.standardOutput = output
    process.standardError = error
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let deadline = Date().addingTimeInterval(seconds)
    let killer = Thread {
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
    killer.start()
    let outData = output.fileHandleForReading.readDataToEndOfFile()
    let errData = error.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return BadInputRun(
        status: process.terminationStatus,
        signalled: process.terminationReason == .uncaughtSignal,
        standardOutput: String(decoding: outData, as: UTF8.self),
        standardError: String(decoding: errData, as: UTF8.self)
    )
}

func runBadInput(_ args: [String]) throws -> BadInputRun {
    let fixtures = BadInputFixtures.shared
    return try runProcess(
        binaryUnderTest,
        fixtures.expand(args),
        environment: guardedEnvironment(["LXCDIAG_ENDPOINTS": fixtures.expand(["$FILE"])[0]]),
        seconds: 20
    )
}

@Suite(
    "Bad input on every subcommand: the documented exit status, one line, no crash",
    .enabled(if: FileManager.default.isExecutableFile(atPath: binaryUnderTest), "needs the built lxcdiag binary")
)
struct BadInputTests {
    @Test("the table covers every subcommand with over a hundred cases")
    func coverage() {
        #expect(badInputs.count >= 100)
        let categories = Set(badInputs.map(\.category))
        for name in ["trace", "path", "topo", "doctor", "settings", "endpoints", "kernel-drops", "lab", "arp"] {
            #expect(badInputs.contains { $0.args.first == name }, "no case for \(name)")
        }
        #expect(categories.contains("endpoint-file") && categories.contains("endpoint-forms"))
    }

    @Test(arguments: badInputs)
    func badInput(_ input: BadInput) throws {
        let run = try runBadInput(input.args)
        #expect(
            run.behaves(expecting: input.exit, json: input.args.prefix { $0 != "--" }.contains("--json")),
            "exit \(run.status)\(run.signalled ? " (signal)" : ""), want \(input.exit); stderr: \(run.standardError)"
        )
    }
}
