import ArgumentParser
import Check
import Containers
import Foundation
import KernelDrops
import LinuxNet
import Plan
import Trace

extension LXCDiag {
    /// `lxcdiag check PLAN...`: run a plan's expectations and say which hold.
    struct CheckCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Run the expectations of one or more plans (reach, isolated, mtu, latency, unique, no_findings).",
            discussion: """
                A plan (YAML, docs/plan-schema.md) names endpoints and what must hold between them. check reads \
                every plan first and refuses a bad one (FILE:LINE:COLUMN: message, exit 2) before anything is \
                sent; then it reads the host's wiring once and runs the expectations, independent ones \
                concurrently (two that send between the same two endpoints run one after the other). reach, \
                isolated, mtu and latency are traces (as `lxcdiag trace` runs them); unique and no_findings \
                are doctor's checks, which send nothing.

                Endpoint names in a plan are its own (endpoints:) or those the endpoint file and LXC know (ext, \
                ct1, host, netns:NAME, ...), so a plan for the built-in lab names no address.

                Examples:
                  lxcdiag check probes/lab-veth.yaml
                  lxcdiag check probes/lab-veth.yaml probes/lab-macvlan.yaml --junit /tmp/check.xml
                  lxcdiag check plan.yaml --retry-timeout 60s --sleep 2s       (containers still booting)
                  lxcdiag check plan.yaml --prometheus /var/lib/node_exporter/textfile/lxcdiag.prom
                  lxcdiag check plan.yaml --json        (schema lxcdiag.check/1, docs/check-schema.md)

                Exit status: 0 every expectation held, 1 one failed, 2 a bad plan or option, 3 environment \
                (not root, an expectation that could not be checked at all and none failed).
                """
        )

        @Argument(help: ArgumentHelp("Plan files (YAML).", valueName: "PLAN"), completion: Completions.planFiles)
        var plans: [String] = []

        @Flag(help: "Print the lxcdiag.check/1 JSON document instead of the table.")
        var json = false

        @Flag(help: "Print TAP (version 13) instead of the table.")
        var tap = false

        @Option(
            help: ArgumentHelp("Also write a JUnit XML report here (a testcase per expectation).", valueName: "FILE")
        )
        var junit: String?

        @Option(
            help: ArgumentHelp(
                "Also write node_exporter's textfile format here, atomically (write, then rename).",
                valueName: "FILE"
            )
        )
        var prometheus: String?

        @Option(
            name: .customLong("retry-timeout"),
            parsing: .unconditional,
            help: ArgumentHelp(
                "Re-run failing expectations until they pass or this much time is up (e.g. 60s).",
                valueName: "DURATION"
            )
        )
        var retryTimeout = "0s"

        @Option(
            parsing: .unconditional,
            help: ArgumentHelp("Pause between two runs of a failing expectation.", valueName: "DURATION")
        )
        var sleep = "1s"

        @Option(help: "Expectations in flight at once, 1 to 64.")
        var jobs = 8

        @Option(
            name: .customLong("timeout-ms"),
            parsing: .unconditional,
            help: "How long a trace waits for a reply before calling a probe lost, 1 to 10000 ms."
        )
        var timeoutMilliseconds = 300

        @Flag(
            inversion: .prefixedNo,
            help: "Trace a path that lost a probe again with the kernel's drop reasons (tracefs skb:kfree_skb)."
        )
        var kernelDrops = true

        @OptionGroup var endpoints: EndpointOptions

        func validate() throws {
            guard !plans.isEmpty else {
                throw ValidationError("name at least one plan file (e.g. probes/lab-veth.yaml)")
            }
            guard (1...64).contains(jobs) else { throw ValidationError("--jobs must be between 1 and 64, not \(jobs)") }
            guard (1...10_000).contains(timeoutMilliseconds) else {
                throw ValidationError("--timeout-ms must be between 1 and 10000, not \(timeoutMilliseconds)")
            }
            if json && tap { throw ValidationError("--json and --tap both print to standard output; pick one") }
            for (option, value, most) in [("--retry-timeout", retryTimeout, 86_400.0), ("--sleep", sleep, 3_600.0)] {
                guard let ns = PlanDuration.nanoseconds(value), Double(ns) <= most * 1e9 else {
                    throw ValidationError(
                        "\(option) takes a duration such as 500ms, 30s or 2m, at most \(Int(most)) s, not '\(value)'"
                    )
                }
            }
            if let junit { try OutputFile.validate(junit, option: "--junit") }
            if let prometheus { try OutputFile.validate(prometheus, option: "--prometheus") }
        }

        func run() throws {
            try reportingErrors {
                let parsed = try PlanFiles.load(plans, endpoints: endpoints)
                try requireRoot("lxcdiag check")
                var trace = TraceOptions()
                trace.lossTimeoutNs = UInt64(timeoutMilliseconds) * 1_000_000
                trace.recordKernelDrops = kernelDrops
                if kernelDrops { DropRecorder.removeStaleInstances() }
                let runner = try InvestigationRunner(plans: parsed, endpoints: endpoints, options: trace)
                let options = CheckOptions(
                    maxInFlight: jobs,
                    retryTimeoutNs: PlanDuration.nanoseconds(retryTimeout) ?? 0,
                    sleepNs: PlanDuration.nanoseconds(sleep) ?? 1_000_000_000
                )
                let started = Date()
                let run = blockingRun { await CheckScheduler.run(parsed, runner: runner, options: options) }
                if json {
                    try printJSON(CheckDocument(run: run, plans: parsed, startedAt: started))
                } else if tap {
                    FileHandle.standardOutput.write(Data(CheckRenderers.tap(run).utf8))
                } else {
                    FileHandle.standardOutput.write(Data(CheckRenderers.table(run, plans: parsed).utf8))
                }
                if let junit {
                    try writeAtomically(CheckRenderers.junit(run, plans: parsed, startedAt: started), to: junit)
                }
                if let prometheus {
                    try writeAtomically(
                        CheckRenderers.prometheus(run, plans: parsed, finishedAt: Date()),
                        to: prometheus
                    )
                }
                if run.count(.fail) > 0 { throw ExitCode(ExitStatus.checkFailed.rawValue) }
                if run.count(.error) > 0 { throw ExitCode(ExitStatus.environment.rawValue) }
            }
        }
    }
}

/// Runs `body` on the concurrency pool and blocks the calling thread (the main thread, never a pool thread)
/// until it is done.
func blockingRun<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
    let done = DispatchSemaphore(value: 0)
    let box = ResultBox<T>()
    Task.detached {
        box.value = await body()
        done.signal()
    }
    done.wait()
    return box.value!
}

// @unchecked Sendable: written once by the task before it signals, read once by the waiter after.
private final class ResultBox<T>: @unchecked Sendable {
    var value: T?
}

/// Writes `text` to a temporary file beside `path` and renames it over `path`, so a reader (node_exporter, a CI
/// job) sees the old file or the new one, never half of one.
func writeAtomically(_ text: String, to path: String) throws {
    let temporary = "\(path).\(getpid()).tmp"
    do {
        try Data(text.utf8).write(to: URL(fileURLWithPath: temporary))
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw CommandFailure(
                message: "cannot write \(path): \(String(cString: strerror(code)))",
                status: .environment
            )
        }
    } catch let failure as CommandFailure {
        throw failure
    } catch {
        unlink(temporary)
        throw CommandFailure(message: "cannot write \(path): \(error.localizedDescription)", status: .environment)
    }
}

/// Plan files read, parsed and checked against the endpoints this host knows, before anything is sent.
enum PlanFiles {
    /// Every plan in `paths`, or the first problem as a usage error (`FILE:LINE:COLUMN: message`, exit 2).
    static func load(_ paths: [String], endpoints: EndpointOptions) throws -> [Plan] {
        var plans: [Plan] = []
        for path in paths {
            let plan = try parse(path)
            if let other = plans.first(where: { $0.name == plan.name }) {
                throw CommandFailure(
                    message:
                        "\(path):1:1: plan name '\(plan.name)' is also the name of \(other.file); plan names must differ",
                    status: .usage
                )
            }
            let resolver = try InvestigationRunner.resolver(for: plan, endpoints: endpoints)
            do {
                // The endpoint file's names and the containers; every namespace is there too, but would drown the line.
                let known = resolver.knownNames.filter { !$0.hasPrefix("netns:") }.prefix(30)
                try PlanEndpoints.check(plan, known: Array(known)) { name in
                    do {
                        _ = try resolver.target(name)
                        return true
                    } catch let error as EndpointError {
                        if case .addressNotFound = error.kind { return true }
                        return !error.isUsageError
                    } catch {
                        return false
                    }
                }
            } catch {
                throw CommandFailure(message: error.description, status: .usage)
            }
            plans.append(plan)
        }
        return plans
    }

    /// One plan file, refused with its size before it is read when it is too large.
    static func parse(_ path: String) throws -> Plan {
        let attributes: [FileAttributeKey: Any]
        do { attributes = try FileManager.default.attributesOfItem(atPath: path) } catch {
            throw CommandFailure(message: "plan \(path): no such file or not readable", status: .usage)
        }
        guard attributes[.type] as? FileAttributeType == .typeRegular else {
            throw CommandFailure(message: "plan \(path) is not a regular file", status: .usage)
        }
        let at = SourceLocation(file: path, line: 1, column: 1)
        let size = (attributes[.size] as? NSNumber)?.intValue ?? 0
        guard size <= PlanParser.largestFile else {
            throw CommandFailure(
                message: PlanError(
                    at,
                    "the plan is \(size) bytes; a plan may be at most \(PlanParser.largestFile) bytes"
                )
                .description,
                status: .usage
            )
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw CommandFailure(message: "plan \(path) cannot be read", status: .usage)
        }
        defer { try? handle.close() }
        let bytes = (try? handle.read(upToCount: PlanParser.largestFile + 1)) ?? Data()
        do {
            return try PlanParser.parse(bytes, file: path)
        } catch {
            throw CommandFailure(message: error.description, status: .usage)
        }
    }
}
