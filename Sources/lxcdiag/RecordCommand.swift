import ArgumentParser
import Check
import Containers
import Foundation
import KernelDrops
import LinuxNet
import NetworkModel
import PacketCodec
import Plan
import Topology
import Trace

extension LXCDiag {
    /// `lxcdiag record`: write a plan from the wiring as it is now.
    struct Record: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a plan from the current, healthy wiring, for `lxcdiag check` to hold it to later.",
            discussion: """
                Declares every endpoint of the endpoint file (besides the vantage and host) with its \
                interface, address, MAC and attachment (the bridge its veth's host end is a port of, or its \
                macvlan parent), then traces and keeps what holds now: reach from the vantage (--from, default \
                ext when the endpoint file names it) and from the host to each, reach or isolation between each \
                pair as observed, the path MTU from the vantage, uniqueness on each bridge the endpoints attach \
                to (ARP flux found now is allowed by name), and no error-level doctor finding. What does not \
                hold now is left out, with a comment saying why. Later drift then fails `check` on the \
                expectation that drifted.

                Examples:
                  lxcdiag record -o /etc/lxcdiag/host.yaml
                  lxcdiag record --from ext --name lab -o /tmp/lab.yaml && lxcdiag check /tmp/lab.yaml
                """
        )

        @Option(
            help: ArgumentHelp(
                "The vantage point reach and mtu are recorded from (default ext, if registered).",
                valueName: "ENDPOINT"
            )
        )
        var from: String?

        @Option(
            name: [.customShort("o"), .customLong("output")],
            help: ArgumentHelp("Write the plan here (default: standard output).", valueName: "FILE")
        )
        var output: String?

        @Option(help: "The plan's name.")
        var name = "recorded"

        @OptionGroup var endpoints: EndpointOptions

        func validate() throws {
            if let output { try OutputFile.validate(output, option: "--output") }
            guard !name.isEmpty, name.count <= 100, !name.contains("\n") else {
                throw ValidationError("--name takes a short plan name, not '\(name)'")
            }
        }

        func run() throws {
            try reportingErrors {
                try requireRoot("lxcdiag record")
                let resolver = try endpoints.resolver()
                let vantage = from ?? (resolver.registry.endpoint(named: "ext") != nil ? "ext" : nil)
                if let vantage { _ = try resolver.target(vantage) }
                let members = resolver.registry.endpoints.map(\.name).filter { $0 != vantage && $0 != "host" }
                guard !members.isEmpty else {
                    throw CommandFailure(
                        message: "the endpoint file \(EndpointRegistry.path(explicit: endpoints.endpointsFile)) names "
                            + "no endpoint to record besides the vantage and host (lxcdiag lab up registers some)",
                        status: .environment
                    )
                }
                let (declared, mtus) = try RecordedWiring.declare(
                    members,
                    measuring: vantage.map { [$0] } ?? [],
                    resolver: resolver,
                    file: output ?? "-"
                )
                let candidates = RecordedWiring.candidates(
                    vantage: vantage,
                    members: members,
                    declared: declared,
                    mtus: mtus
                )
                let plan = Plan(file: output ?? "-", name: name, endpoints: declared, expectations: candidates)
                DropRecorder.removeStaleInstances()
                var trace = TraceOptions()
                trace.recordKernelDrops = true
                let runner = try InvestigationRunner(plans: [plan], endpoints: endpoints, options: trace)
                let run = blockingRun { await CheckScheduler.run([plan], runner: runner) }
                let (kept, notes) = RecordedWiring.keep(run.results)
                var recorded = plan
                recorded.expectations = kept
                let stamp = ISO8601DateFormatter().string(from: Date())
                let header =
                    [
                        "Recorded by `lxcdiag record` at \(stamp) from the wiring as it was then.",
                        "Check it later with: lxcdiag check \(output ?? "PLAN")",
                    ] + notes.map { "left out: \($0)" }
                let text = PlanWriter.yaml(recorded, header: header)
                if let output {
                    try writeAtomically(text, to: output)
                    FileHandle.standardError.write(
                        Data("recorded \(kept.count) expectations, \(notes.count) left out, in \(output)\n".utf8)
                    )
                } else {
                    FileHandle.standardOutput.write(Data(text.utf8))
                }
            }
        }
    }
}

/// What `record` declares and proposes, and what it keeps of the answers.
enum RecordedWiring {
    /// Each endpoint as it is now: where it lives, its interface, address, MAC and attachment; and the MTU of
    /// the interface of each of them and of `measuring` (the vantage), which bounds the path MTU between them.
    static func declare(
        _ names: [String],
        measuring: [String] = [],
        resolver: EndpointResolver,
        file: String
    ) throws -> (declared: [DeclaredEndpoint], mtus: [String: Int]) {
        let targets = InvestigationRunner.scope(resolver, plan: Plan(file: file, name: "-")).map {
            TopologyTarget(name: $0.node.name, kind: $0.node.kind, namespace: $0.namespace)
        }
        let topology = try HostTopology.capture(targets)
        var declared: [DeclaredEndpoint] = []
        var mtus: [String: Int] = [:]
        for name in measuring {
            guard let wiring = try? Self.wiring(of: name, resolver: resolver, topology: topology) else { continue }
            mtus[name] = wiring.link?.mtu
        }
        for name in names {
            guard let entry = resolver.registry.endpoint(named: name) else { continue }
            let wiring = try Self.wiring(of: name, resolver: resolver, topology: topology)
            let (resolved, link, attachment) = (wiring.resolved, wiring.link, wiring.attachment)
            if let link { mtus[name] = link.mtu }
            declared.append(
                DeclaredEndpoint(
                    name: name,
                    netns: entry.container == nil ? entry.netns : nil,
                    container: entry.container,
                    interface: resolved.interface,
                    ip: resolved.ip?.description,
                    mac: resolved.mac?.description,
                    link: attachment,
                    location: SourceLocation(file: file, line: 1, column: 1)
                )
            )
        }
        return (declared, mtus)
    }

    /// Where `name` resolves in `topology`: its interface there, and its attachment (a macvlan's parent, or the
    /// bridge the veth's other end is a port of).
    static func wiring(
        of name: String,
        resolver: EndpointResolver,
        topology: HostTopology
    ) throws -> (resolved: ResolvedEndpoint, link: Link?, attachment: String?) {
        let resolved = try resolver.resolve(name, snapshots: CapturedSnapshots(topology: topology))
        let inode = try resolved.namespace.identity().inode
        let link = topology.namespaces.first { $0.node.namespaceInode == inode }?.link(named: resolved.interface)
        var attachment: String?
        if let link, link.kind == .macvlan { attachment = link.parent?.name }
        if let peer = link?.peer { attachment = topology.link(peer)?.master?.name }
        return (resolved, link, attachment)
    }

    /// How the declared endpoints among `names` differ from the wiring now: a MAC or an attachment other than the
    /// plan declares (the address is the trace's intent, and a missing one is its own finding).
    static func drift(_ names: [String], plan: Plan, resolver: EndpointResolver, topology: HostTopology) -> [String] {
        var differences: [String] = []
        for name in names {
            guard let declared = plan.endpoint(named: name), declared.mac != nil || declared.link != nil else {
                continue
            }
            guard let wiring = try? Self.wiring(of: name, resolver: resolver, topology: topology) else { continue }
            let mac = wiring.resolved.mac?.description
            if let want = declared.mac, want.lowercased() != mac {
                differences.append("\(name): declared MAC \(want), \(wiring.resolved.interface) has \(mac ?? "none")")
            }
            if let want = declared.link, want != wiring.attachment {
                differences.append("\(name): declared on \(want), attached to \(wiring.attachment ?? "nothing")")
            }
        }
        return differences
    }

    /// Every expectation worth asking about the endpoints. An `mtu` expectation asks for the smaller of the two
    /// ends' interface MTUs (1500 when unknown); a hop between them with a smaller one fails it while recording,
    /// and it is left out with a note.
    static func candidates(
        vantage: String?,
        members: [String],
        declared: [DeclaredEndpoint],
        mtus: [String: Int] = [:]
    ) -> [Expectation] {
        let at = SourceLocation(file: "-", line: 1, column: 1)
        var checks: [Requirement] = []
        for member in members {
            if let vantage { checks.append(.reach(from: vantage, to: member)) }
            checks.append(.reach(from: "host", to: member))
        }
        for (index, first) in members.enumerated() {
            for second in members.dropFirst(index + 1) { checks.append(.reach(from: first, to: second)) }
        }
        if let vantage {
            for member in members {
                let ends = [mtus[vantage], mtus[member]].compactMap { $0 }
                checks.append(.mtu(from: vantage, to: member, atLeast: ends.min() ?? 1500))
            }
        }
        let bridges = declared.compactMap(\.link).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        checks += bridges.map { .unique(segment: $0, allow: []) }
        checks.append(.noFindings(severity: "error", codes: []))
        return checks.map { Expectation(check: $0, location: at) }
    }

    /// The expectations as they held: a reach between two members that failed becomes isolated; a unique that
    /// failed only on ARP flux allows those interfaces; anything else that failed is left out with a note.
    static func keep(_ results: [ExpectationResult]) -> (kept: [Expectation], notes: [String]) {
        var kept: [Expectation] = []
        var notes: [String] = []
        for result in results {
            let expectation = result.expectation
            let outcome = result.outcome
            if outcome.status == .pass {
                kept.append(Expectation(check: expectation.check, location: expectation.location))
                continue
            }
            switch expectation.check {
            case .reach(let from, let to)
            where from != "host" && outcome.status == .fail && outcome.codes.contains(where: isIsolation):
                kept.append(Expectation(check: .isolated(from: from, to: to), location: expectation.location))
            case .unique(let segment, _) where outcome.codes.allSatisfy({ $0 == "ARP_FLUX" }):
                let places = outcome.findings.compactMap(\.location)
                kept.append(
                    Expectation(check: .unique(segment: segment, allow: places), location: expectation.location)
                )
            default:
                let codes = outcome.codes.isEmpty ? "" : " (\(outcome.codes.joined(separator: ", ")))"
                notes.append("\(expectation.name): \(outcome.status.rawValue), \(outcome.message)\(codes)")
            }
        }
        return (kept, notes)
    }

    /// Codes that say two endpoints are kept apart by design, not broken.
    private static func isIsolation(_ code: String) -> Bool {
        ["MACVLAN_PRIVATE_MODE", "MACVLAN_VEPA_NO_HAIRPIN", "MACVLAN_PARENT_ISOLATION"].contains(code)
    }
}
