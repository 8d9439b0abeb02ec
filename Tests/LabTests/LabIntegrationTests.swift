import Foundation
import LinuxNet
import NetworkModel
import PacketCodec
import TestSupport
import Testing

@testable import Lab

@Suite("lab with plain namespaces (--no-lxc)", .serialized, .enabled(if: getuid() == 0, "needs root"))
struct PlainLabTests {
    @Test("frames flow ext -> ct1 (veth) and ext -> ct3 (macvlan)")
    func framesFlow() throws { try LabScenarios.framesFlow(.namespaces) }

    @Test("the host cannot reach ct3 through br0, its macvlan parent")
    func macvlanParent() throws { try LabScenarios.hostCannotReachMacvlanThroughBridge(.namespaces) }

    @Test("up twice leaves the lab as it was")
    func idempotent() throws { try LabScenarios.upTwiceIsIdempotent(.namespaces) }

    @Test("down removes a half-made lab", arguments: [LabBuildStage.namespaces, .outsideWorld, .containers])
    func downHalfMade(stage: LabBuildStage) throws { try LabScenarios.downAfterHalfMadeUp(.namespaces, stage: stage) }

    @Test("up completes a half-made lab")
    func upCompletes() throws { try LabScenarios.upCompletesHalfMadeLab(.namespaces, stage: .host) }

    @Test("two ups of one lab at once: one builds, the other finds it up")
    func concurrentUps() async throws {
        let test = TestLab(backend: .namespaces)
        defer { test.tearDown() }
        let lab = test.lab
        async let first = withNetworkNamespace(.current) { try lab.up().outcome }
        async let second = withNetworkNamespace(.current) { try lab.up().outcome }
        let outcomes = try await [first, second].sorted { $0.rawValue < $1.rawValue }
        #expect(outcomes == [.alreadyUp, .built])
        #expect(try lab.status().isComplete)
    }

    @Test("a foreign namespace with the lab's name makes up refuse")
    func foreignNamespace() throws { try LabScenarios.foreignNamespaceRefused(.namespaces) }

    @Test("passthru builds ct3 only, and ct3 hears ext")
    func passthru() throws {
        let test = TestLab(backend: .namespaces, macvlanMode: .passthru)
        defer { test.tearDown() }
        let result = try test.lab.up()
        #expect(result.status.isComplete, "\(result.status.problems)")
        #expect(result.endpoints.endpoints.map(\.name) == ["ext", "host", "ct1", "ct2", "ct3"])
        #expect(try test.leftovers().contains { $0.hasSuffix("-ct4") } == false)
        let ct3 = try #require(result.status.namespace(of: "ct3"))
        let outcome = try LabScenarios.fromExternalClient(
            result.status,
            to: try #require(result.status.address(of: "ct3"))
        )
        .run(observers: ["ct3": (ct3, "eth0")])
        #expect(outcome.seenBy["ct3"] == true)
        #expect(outcome.reply != nil)
    }

    @Test("up with another macvlan mode rebuilds the lab in that mode")
    func otherMode() throws {
        let test = TestLab(backend: .namespaces)
        defer { test.tearDown() }
        _ = try test.lab.up()
        var changed = test.configuration
        changed.macvlanMode = .private
        let result = try Lab(changed).up()
        #expect(result.outcome == .rebuilt)
        #expect(result.status.macvlanMode == .private)
        #expect(result.status.isComplete, "\(result.status.problems)")
        let details = try ExternalCommand.check([
            "ip", "-n", changed.containerNamespace("ct3"), "-d", "link", "show", "eth0",
        ])
        #expect(details.contains("macvlan mode private"))
    }
}

@Suite(
    "lab with LXC containers",
    .serialized,
    .enabled(if: getuid() == 0, "needs root"),
    .enabled(if: lxcInstalled, "needs LXC (apt-get install lxc busybox-static)")
)
struct LXCLabTests {
    @Test("frames flow ext -> ct1 (veth) and ext -> ct3 (macvlan) into LXC containers")
    func framesFlow() throws { try LabScenarios.framesFlow(.lxc) }

    @Test("the host cannot reach LXC container ct3 through br0, its macvlan parent")
    func macvlanParent() throws { try LabScenarios.hostCannotReachMacvlanThroughBridge(.lxc) }

    @Test("up twice leaves the LXC lab as it was")
    func idempotent() throws { try LabScenarios.upTwiceIsIdempotent(.lxc) }

    @Test("down removes a half-made LXC lab")
    func downHalfMade() throws { try LabScenarios.downAfterHalfMadeUp(.lxc, stage: .containers) }

    @Test("a stopped container makes the lab partial, and up rebuilds it")
    func stoppedContainer() throws {
        let test = TestLab(backend: .lxc)
        defer { test.tearDown() }
        _ = try test.lab.up()
        LXCTool.stop(test.configuration.containerName("ct2"), in: test.configuration.hostNamespace)
        let status = try test.lab.status()
        #expect(status.condition == .partial)
        #expect(status.nodes.first { $0.name == "ct2" }?.running == false)
        let result = try test.lab.up()
        #expect(result.outcome == .rebuilt)
        #expect(result.status.isComplete, "\(result.status.problems)")
    }

    @Test("down stops and removes the containers even after their host namespace was deleted")
    func hostNamespaceDeleted() throws {
        let test = TestLab(backend: .lxc)
        defer { test.tearDown() }
        _ = try test.lab.up()
        try ExternalCommand.check(["ip", "netns", "del", test.configuration.hostNamespace])
        // The containers still run, reachable through their LXC monitors' namespace.
        let status = try test.lab.status()
        #expect(status.condition == .partial)
        #expect(status.nodes.filter { $0.kind == "lxc" }.allSatisfy { $0.running == true })
        try test.lab.down()
        #expect(try test.leftovers() == [])
        for member in ["ct1", "ct2", "ct3", "ct4"] {
            #expect(LXCTool.monitorPID(test.configuration.containerName(member)) == nil)
        }
    }

    @Test("containers whose record was lost (as after a reboot) are still the lab's: up rebuilds, down removes")
    func recordLost() throws {
        let test = TestLab(backend: .lxc)
        defer { test.tearDown() }
        let forgetRecord = {
            // What a reboot does: containers stop, /run (namespaces, state file) is gone, /var/lib/lxc stays.
            for member in ["ct1", "ct2", "ct3", "ct4"] {
                LXCTool.stop(test.configuration.containerName(member), in: test.configuration.hostNamespace)
            }
            for namespace in [test.configuration.externalNamespace, test.configuration.hostNamespace] {
                try ExternalCommand.check(["ip", "netns", "del", namespace])
            }
            LabState.remove(at: test.configuration.statePath)
        }
        _ = try test.lab.up()
        try forgetRecord()
        let status = try test.lab.status()
        #expect(status.condition == .absent)
        #expect(status.problems.count == 4)
        #expect(status.problems.allSatisfy { $0.contains("whose record is gone; `lxcdiag lab down` removes it") })
        let rebuilt = try test.lab.up()
        #expect(rebuilt.outcome == .rebuilt)
        #expect(rebuilt.status.isComplete, "\(rebuilt.status.problems)")
        try forgetRecord()
        let removed = try #require(try test.lab.down())
        #expect(removed.containers.count == 4)
        #expect(try test.leftovers() == [])
    }

    @Test("a foreign LXC container with the lab's name makes up refuse")
    func foreignContainer() throws {
        let test = TestLab(backend: .lxc)
        defer { test.tearDown() }
        let foreign = test.configuration.containerName("ct2")
        try LXCTool.create(foreign)
        defer { _ = try? ExternalCommand.run(["lxc-destroy", "-f", "-n", foreign]) }
        let error = #expect(throws: LabError.self) { try test.lab.up() }
        #expect(error?.description.contains("LXC container \(foreign)") == true)
        #expect(try test.leftovers() == [foreign])
        #expect(try test.lab.down() == nil)
        #expect(try LXCTool.definedContainers().contains(foreign))
        #expect(try test.lab.status().problems == ["LXC container \(foreign) exists but this lab did not make it"])
    }
}

@Suite(
    "lxcdiag lab up interrupted by Ctrl-C",
    .enabled(if: getuid() == 0, "needs root"),
    .enabled(if: lxcInstalled, "needs LXC: only an LXC build lasts long enough to interrupt")
)
struct InterruptedLabTests {
    @Test("SIGINT during up leaves no namespace, container, state or endpoint file")
    func interruptedUp() throws {
        let test = TestLab(backend: .lxc)
        defer { test.tearDown() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: LXCDiagExecutable.path)
        process.arguments = ["lab", "up", "--lxc", "--name", test.configuration.name]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Interrupt once the build has started (its state file exists) and made its first namespace.
        let deadline = monotonicNanoseconds() + 10_000_000_000
        while monotonicNanoseconds() < deadline, process.isRunning,
            (try? IPTool.namespaces().contains(test.configuration.externalNamespace)) != true
        {
            usleep(2_000)
        }
        process.interrupt()
        process.waitUntilExit()
        #expect(process.terminationStatus == 130)
        #expect(try test.leftovers() == [])
        #expect(!FileManager.default.fileExists(atPath: test.configuration.statePath))
        #expect(!FileManager.default.fileExists(atPath: test.configuration.endpointsPath))
    }
}
