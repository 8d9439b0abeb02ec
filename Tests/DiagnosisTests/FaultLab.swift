import Diagnosis
import Foundation
import Investigation
import KernelDrops
import Lab
import LabFaults
import LinuxNet
import NetworkModel
import PacketCodec
import Testing
import Topology
import Trace

/// A real lab (`Lab`, plain namespaces, unique name `lxcdiag-t…`) for one test, with the endpoints and capture
/// points a trace needs. `tearDown` (called in `defer`) removes it, also when the test fails.
final class FaultLab {
    let lab: Lab
    private(set) var layout: LabLayout
    private(set) var faults: AppliedFaults
    private let stateDirectory: String

    /// The LXC containers' init PIDs by part (`ct1`...), empty for a plain-namespace lab.
    private(set) var pids: [String: Int32] = [:]

    init(backend: LabBackend = .namespaces) throws {
        let tag = String(UInt32.random(in: 0..<UInt32.max), radix: 36)
        stateDirectory = NSTemporaryDirectory() + "lxcdiag-t\(tag)-state"
        // The lab's record goes where a user's `lab break --name` looks for it; the fault records stay private.
        lab = Lab(LabConfiguration(name: "lxcdiag-t\(tag)", backend: backend))
        layout = LabLayout(name: lab.configuration.name)
        faults = AppliedFaults(lab: layout, directory: stateDirectory)
        do {
            let status = try lab.up().status
            layout = try LabLayout.recorded(name: lab.configuration.name)
            faults = AppliedFaults(lab: layout, directory: stateDirectory)
            if backend == .lxc {
                for node in status.nodes { if let pid = node.pid { pids[node.name] = pid } }
            }
        } catch {
            tearDown()
            throw error
        }
    }

    func tearDown() {
        _ = try? faults.fixAll()
        _ = try? lab.down()
        let prefix = layout.name + "-"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/run/netns")) ?? []
        for namespace in names where namespace.hasPrefix(prefix) {
            _ = try? ExternalCommand.run(["ip", "netns", "del", namespace])
        }
        try? FileManager.default.removeItem(atPath: stateDirectory)
    }

    deinit { tearDown() }

    /// Waits (at most 3 s) until the lab's listener runs again, after `lab fix closed-port` started it.
    func waitForListener() throws {
        let listener = LabListener(configuration: lab.configuration)
        let deadline = monotonicNanoseconds() + 3_000_000_000
        while listener.runningPID == nil, monotonicNanoseconds() < deadline { usleep(10_000) }
        try #require(listener.runningPID != nil, "the lab's listener did not start again")
    }

    /// `NAME-part`, the named namespace of a lab part (`ext`, `host`, and the containers of a plain lab).
    func netns(_ part: String) -> String { "\(layout.name)-\(part)" }

    /// How traces and rules name a part: its netns, or its LXC container.
    func node(_ part: String) -> String {
        pids[part] != nil ? lab.configuration.containerName(part) : netns(part)
    }

    /// The namespace of a part: named, or an LXC container init's.
    func namespace(_ part: String) -> NetworkNamespace {
        pids[part].map { .pid($0) } ?? .named(netns(part))
    }

    /// A capture target for a part, named as `node` names it.
    func target(_ part: String) -> TopologyTarget {
        let kind: NodeKind = part == "host" ? .host : pids[part] != nil ? .lxc : .netns
        return TopologyTarget(name: node(part), kind: kind, namespace: namespace(part))
    }

    /// The lab's endpoints by the names faults use: ext, ct1..ct4, `em2` (the host's own address) and `host`
    /// (the host talking from br0, which only the macvlan-parent-address fault gives an address).
    func endpoint(_ name: String) -> ResolvedEndpoint {
        let (part, interface, ip): (String, String, IPv4Address) =
            switch name {
            case "ext": ("ext", "eth0", layout.addressing.external)
            case "em2": ("host", "em2", layout.addressing.host)
            case "host", "iface:br0": ("host", "br0", layout.addressing.parentFault)
            default: (name, "eth0", layout.addressing.container(Int(name.dropFirst(2))!))
            }
        return ResolvedEndpoint(
            endpoint: name,
            node: node(part),
            namespace: namespace(part),
            interface: interface,
            ip: ip,
            mac: nil
        )
    }

    private func point(_ part: String, _ interface: String, _ role: HopRole, side: Bool = false) -> CapturePoint {
        CapturePoint(node: node(part), namespace: namespace(part), interface: interface, role: role, isSide: side)
    }

    /// The capture points from `from` to `to`, as the lab wires them.
    func hops(from: String, to: String) -> [CapturePoint] {
        let target = endpoint(to)
        let last = CapturePoint(
            node: target.node,
            namespace: target.namespace,
            interface: target.interface,
            role: to == "em2" || to == "host" ? .endpoint : .container
        )
        switch (from, to) {
        case ("ext", "em2"):
            return [
                point("ext", "eth0", .endpoint), point("ext", "sw-cli", .bridgePort), point("ext", "sw0", .bridge),
                point("ext", "sw-em2", .bridgePort), last,
            ]
        case ("ext", _):
            let other = to == "ct1" ? "veth-ct2" : "veth-ct1"
            return [
                point("ext", "eth0", .endpoint), point("ext", "sw-cli", .bridgePort), point("ext", "sw0", .bridge),
                point("ext", "sw-em1", .bridgePort), point("host", "em1", .uplink), point("host", "br0", .bridge),
                point("host", other, .bridgePort, side: true), point("host", "veth-\(to)", .veth), last,
            ]
        default:
            let source = endpoint(from)
            return [
                CapturePoint(
                    node: source.node,
                    namespace: source.namespace,
                    interface: source.interface,
                    role: .endpoint
                ),
                last,
            ]
        }
    }

    /// Reads the lab's wiring and settings, runs a trace `from` -> `to` (recording the kernel's drops of the
    /// echo requests when `recordDrops`), and applies the trace rules.
    func diagnose(
        from: String,
        to: String,
        transports: [TransportPort] = [],
        recordDrops: Bool = false
    ) throws -> (
        report: TraceReport, findings: [Finding], kernelDrops: [KernelDrop]?
    ) {
        var options = TraceOptions()
        options.transports = transports
        let plan = TracePlan(
            source: endpoint(from),
            target: endpoint(to),
            hops: hops(from: from, to: to),
            options: options
        )
        var targets = DoctorInspection.targets(for: plan)
        for part in ["ext", "host", "ct1", "ct2", "ct3", "ct4"]
        where !targets.contains(where: { $0.name == node(part) }) {
            targets.append(target(part))
        }
        // Before the probes: an ARP reply refreshes the source's neighbour cache.
        var (context, _) = try DoctorInspection.read(targets)
        // The echo requests' Ethernet lengths: 84 and 1500 bytes of IPv4 behind a 14-byte header.
        let recorder = recordDrops ? DropRecorder.start(signature: DropSignature(frameLengths: [98, 1514])) : nil
        let report = try Tracer().run(plan).report
        var drops: [KernelDrop]?
        if let recorder, case .recording = recorder.state {
            drops = recorder.stop()
            context.kernelDrops = drops ?? []
        }
        recorder?.stop()
        return (report, TraceDiagnosis.findings(for: report, in: context), drops)
    }

    /// The doctor's findings for the lab's namespaces.
    func doctor() throws -> DoctorReport {
        let targets = ["host", "ext", "ct1", "ct2", "ct3", "ct4"].map {
            target($0)
        }
        return try DoctorInspection.inspect(targets, containers: [])
    }
}

extension LabFault {
    /// The ports the fault's trace arguments name (`--tcp 443`).
    var traceTransports: [TransportPort] {
        stride(from: 0, to: traceArguments.count - 1, by: 2).compactMap { index in
            guard let transport = TransportPort.Transport(rawValue: String(traceArguments[index].dropFirst(2))),
                let port = UInt16(traceArguments[index + 1])
            else { return nil }
            return TransportPort(transport, port)
        }
    }
}
