import Foundation
import LinuxNet
import NetworkModel
import PacketCodec
import Testing

@testable import Lab

/// The integration checks, run once per backend by the suites below.
enum LabScenarios {
    /// After `up`, ARP requests from ext reach ct1 (veth) and ct3 (macvlan) and their replies come back.
    static func framesFlow(_ backend: LabBackend) throws {
        let test = TestLab(backend: backend)
        defer { test.tearDown() }
        let result = try test.lab.up()
        #expect(result.outcome == .built)
        #expect(result.status.isComplete, "\(result.status.problems)")
        #expect(result.endpoints.endpoints.map(\.name) == ["ext", "host", "ct1", "ct2", "ct3", "ct4"])
        let registered = try EndpointRegistry.load(from: test.configuration.endpointsPath)
        #expect(registered.endpoints == result.endpoints.endpoints)

        let status = result.status
        let extMAC = try #require(status.mac(of: "ext"))
        let ct1 = try #require(status.address(of: "ct1"))
        let ct3 = try #require(status.address(of: "ct3"))
        for (member, address) in [("ct1", ct1), ("ct3", ct3)] {
            let namespace = try #require(status.namespace(of: member))
            let outcome = try fromExternalClient(status, to: address).run(observers: [member: (namespace, "eth0")])
            #expect(outcome.seenBy[member] == true, "\(member)'s eth0 never saw ext's ARP request")
            let reply = try #require(outcome.reply, "no ARP reply from \(member)")
            #expect(reply.senderMAC == status.mac(of: member))
            #expect(reply.targetMAC == extMAC)
        }
    }

    /// The macvlan parent limitation: with an address on br0, the host's ARP for ct3 never reaches ct3,
    /// while the same request reaches ct1 through its veth, and ext's request reaches ct3.
    static func hostCannotReachMacvlanThroughBridge(_ backend: LabBackend) throws {
        let test = TestLab(backend: backend)
        defer { test.tearDown() }
        let status = try test.lab.up().status
        let host = test.configuration.hostNamespace
        let net = try #require(try LabState.load(from: test.configuration.statePath)).addressing
        let bridgeAddress = net.address(54)
        try ExternalCommand.check(["ip", "-n", host, "address", "add", net.cidr(bridgeAddress), "dev", "br0"])
        let bridgeMAC = try #require(try IPTool.interfaces(namespace: host).first { $0.name == "br0" }?.mac)
        let ct1 = try #require(status.namespace(of: "ct1"))
        let ct3 = try #require(status.namespace(of: "ct3"))

        let fromBridge = { (target: IPv4Address) in
            ARPExchange(
                namespace: .named(host),
                interface: "br0",
                senderMAC: bridgeMAC,
                senderIP: bridgeAddress,
                target: target
            )
        }
        let toMacvlan = try fromBridge(net.container(3)).run(observers: ["ct3": (ct3, "eth0")], seconds: 1.5)
        #expect(toMacvlan.seenBy["ct3"] == false, "ct3 saw the ARP br0 sent: the macvlan parent reached its child")
        #expect(toMacvlan.reply == nil)

        // Controls: br0 does reach a veth container, and ct3 does hear ext.
        let toVeth = try fromBridge(net.container(1)).run(observers: ["ct1": (ct1, "eth0")])
        #expect(toVeth.seenBy["ct1"] == true)
        #expect(toVeth.reply != nil)
        let fromExt = try fromExternalClient(status, to: net.container(3))
            .run(observers: ["ct3": (ct3, "eth0")])
        #expect(fromExt.seenBy["ct3"] == true)
        #expect(fromExt.reply != nil)
    }

    /// A second `up` leaves a complete lab exactly as it was (same namespaces, same container processes).
    static func upTwiceIsIdempotent(_ backend: LabBackend) throws {
        let test = TestLab(backend: backend)
        defer { test.tearDown() }
        let first = try test.lab.up()
        let identities = try first.status.nodes.map { try test.identity(of: $0.name, in: first.status) }
        let second = try test.lab.up()
        #expect(second.outcome == .alreadyUp)
        #expect(second.status == first.status)
        #expect(try second.status.nodes.map { try test.identity(of: $0.name, in: second.status) } == identities)
    }

    /// `down` after an `up` that stopped half way removes everything; `down` again is a no-op.
    static func downAfterHalfMadeUp(_ backend: LabBackend, stage: LabBuildStage) throws {
        let test = TestLab(backend: backend)
        defer { test.tearDown() }
        _ = try test.lab.up(through: stage)
        let status = try test.lab.status()
        #expect(status.condition == .partial)
        #expect(!(try test.leftovers()).isEmpty)
        let removed = try #require(try test.lab.down())
        #expect(!removed.complete)
        #expect(try test.leftovers() == [])
        #expect(!FileManager.default.fileExists(atPath: test.configuration.statePath))
        #expect(try test.lab.down() == nil)
        #expect(try test.lab.status().condition == .absent)
    }

    /// A half-made lab is completed by the next `up`.
    static func upCompletesHalfMadeLab(_ backend: LabBackend, stage: LabBuildStage) throws {
        let test = TestLab(backend: backend)
        defer { test.tearDown() }
        _ = try test.lab.up(through: stage)
        let result = try test.lab.up()
        #expect(result.outcome == .rebuilt)
        #expect(result.status.isComplete, "\(result.status.problems)")
    }

    /// A namespace with the lab's name that the lab did not make stops `up`, which touches nothing.
    static func foreignNamespaceRefused(_ backend: LabBackend) throws {
        let test = TestLab(backend: backend)
        defer { test.tearDown() }
        let foreign = test.configuration.hostNamespace
        try ExternalCommand.check(["ip", "netns", "add", foreign])
        defer { _ = try? ExternalCommand.run(["ip", "netns", "del", foreign]) }
        let error = #expect(throws: LabError.self) { try test.lab.up() }
        #expect(error?.description.contains(foreign) == true)
        #expect(error?.description.contains("ip netns del \(foreign)") == true)
        #expect(try test.leftovers() == [foreign])
        #expect(!FileManager.default.fileExists(atPath: test.configuration.statePath))
        #expect(try test.lab.down() == nil)
        #expect(try IPTool.namespaces().contains(foreign))
    }
}

extension LabScenarios {
    /// An ARP request from the lab's outside client (ext's eth0) for `target`.
    static func fromExternalClient(_ status: LabStatus, to target: IPv4Address) throws -> ARPExchange {
        ARPExchange(
            namespace: try #require(status.namespace(of: "ext")),
            interface: "eth0",
            senderMAC: try #require(status.mac(of: "ext")),
            senderIP: try #require(status.address(of: "ext")),
            target: target
        )
    }
}

extension TestLab {
    /// The kernel identity of an endpoint's namespace (for LXC, of its container's init).
    func identity(of endpoint: String, in status: LabStatus) throws -> NamespaceIdentity {
        try #require(status.namespace(of: endpoint)).identity()
    }
}
