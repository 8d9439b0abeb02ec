import Foundation
import Glibc
import LinuxNet
import PacketCapture
import PacketCodec
import TestSupport
import Testing

@Suite("Network namespaces, AF_PACKET sender and libpcap capture", .enabled(if: getuid() == 0, "needs root"))
struct NamespaceTests {
    @Test("withNetworkNamespace runs the closure inside the named namespace")
    func entersNamedNamespace() throws {
        let lab = try VethPairLab()
        defer { lab.tearDown() }
        let inside = try withNetworkNamespace(.named(lab.left)) { try NetworkNamespace.current.identity() }
        let expected = try NetworkNamespace.named(lab.left).identity()
        let outside = try NetworkNamespace.current.identity()
        #expect(inside == expected)
        #expect(inside != outside)
        // The caller's own thread never moved.
        #expect(try NetworkNamespace.current.identity() == outside)
    }

    @Test("the async variant and a pid-named namespace reach the same namespace")
    func asyncAndPid() async throws {
        let lab = try VethPairLab()
        defer { lab.tearDown() }
        let viaName = try await withNetworkNamespace(.named(lab.right)) { try NetworkNamespace.current.identity() }
        let viaPid = try await withNetworkNamespace(.pid(getpid())) { try NetworkNamespace.current.identity() }
        #expect(viaName == (try NetworkNamespace.named(lab.right).identity()))
        #expect(viaPid == (try NetworkNamespace.current.identity()))
    }

    @Test("mapInNetworkNamespaces runs each call inside its own namespace, results in order, errors in place")
    func mapsAcrossNamespaces() throws {
        let lab = try VethPairLab()
        defer { lab.tearDown() }
        let namespaces: [NetworkNamespace] = [
            .named(lab.left), .named("lxcdiag-no-such-ns"), .current, .named(lab.right),
        ]
        let results = mapInNetworkNamespaces(namespaces, name: "test") { _ in try NetworkNamespace.current.identity() }
        #expect(try results[0].get() == (try NetworkNamespace.named(lab.left).identity()))
        #expect(throws: NamespaceError.self) { try results[1].get() }
        #expect(try results[2].get() == (try NetworkNamespace.current.identity()))
        #expect(try results[3].get() == (try NetworkNamespace.named(lab.right).identity()))
    }

    @Test("mapInNetworkNamespaces with maxThreads: threads switch per call, .current is the caller's, errors in place")
    func boundedMapSwitchesPerCall() throws {
        let lab = try VethPairLab()
        defer { lab.tearDown() }
        let left = try NetworkNamespace.named(lab.left).identity()
        let right = try NetworkNamespace.named(lab.right).identity()
        let here = try NetworkNamespace.current.identity()
        let namespaces: [NetworkNamespace] = [
            .named(lab.left), .current, .named(lab.right), .named("lxsc-no-such-ns"), .named(lab.left), .current,
            .named(lab.right), .current,
        ]
        let expected: [NamespaceIdentity?] = [left, here, right, nil, left, here, right, here]
        // One thread takes every call in turn, so each one must switch from where the previous left it.
        for threads in [1, 2] {
            let results = mapInNetworkNamespaces(namespaces, name: "test", maxThreads: threads) { _ in
                try NetworkNamespace.current.identity()
            }
            for (result, want) in zip(results, expected) {
                if let want {
                    #expect(try result.get() == want)
                } else {
                    #expect(throws: NamespaceError.self) { try result.get() }
                }
            }
        }
        #expect(try NetworkNamespace.current.identity() == here)
    }

    @Test("a missing namespace is a clear error naming it")
    func missingNamespace() throws {
        let error = #expect(throws: NamespaceError.self) {
            try withNetworkNamespace(.named("lxcdiag-no-such-ns")) { 1 }
        }
        #expect(error?.isMissing == true)
        #expect(error?.description.contains("lxcdiag-no-such-ns") == true)
    }

    @Test("a frame sent through AF_PACKET in one namespace is captured by libpcap in the other")
    func sendAndCapture() throws {
        let lab = try VethPairLab()
        defer { lab.tearDown() }
        let nonce = UInt16.random(in: 1...0xfffe)
        let capture = try withNetworkNamespace(.named(lab.right)) {
            try PacketCapture(interface: "vb", options: CaptureOptions(filter: "icmp and icmp[4:2] = \(nonce)"))
        }
        capture.start()
        let sender = try withNetworkNamespace(.named(lab.left)) { try PacketSocket(interface: "va") }
        let icmp = ICMPMessage(
            type: ICMPMessage.echoRequest,
            identifier: nonce,
            sequence: 1,
            payload: Array("lxcdiag".utf8)
        )
        let ip = IPv4Packet(
            source: IPv4Address(192, 0, 2, 1),
            destination: IPv4Address(192, 0, 2, 2),
            protocolNumber: IPv4Packet.protocolICMP,
            payload: icmp.encoded()
        )
        let frame = EthernetFrame(
            destination: .broadcast,
            source: MACAddress([2, 0, 0, 0, 0, 1]),
            etherType: EtherType.ipv4,
            payload: ip.encoded()
        )
        let before = realtimeNanoseconds()
        try sender.send(frame.encoded())
        // The kernel in the right namespace answers, and the capture sees its reply leave too.
        let deadline = monotonicNanoseconds() + 2_000_000_000
        while capture.frames.count < 2 && monotonicNanoseconds() < deadline { usleep(2_000) }
        capture.stop()
        let frames = capture.frames
        try #require(frames.count == 2)
        let echoes = try frames.map { frame in
            let packet = try IPv4Packet(decoding: try EthernetFrame(decoding: frame.bytes).payload)
            return try ICMPMessage(decoding: packet.payload)
        }
        #expect(echoes.map(\.type) == [ICMPMessage.echoRequest, ICMPMessage.echoReply])
        #expect(echoes.allSatisfy { $0.identifier == nonce })
        #expect(echoes[0].payload.starts(with: Array("lxcdiag".utf8)))
        #expect(frames[1].timestampNs >= frames[0].timestampNs)
        // Nanosecond timestamps: the frame is stamped after we sent it and within the deadline.
        #expect(frames[0].timestampNs >= before - 1_000_000)
        #expect(frames[0].timestampNs < before + 2_000_000_000)
    }

    @Test("the receiving socket sees frames and their direction")
    func socketReceives() throws {
        let lab = try VethPairLab()
        defer { lab.tearDown() }
        let receiver = try withNetworkNamespace(.named(lab.right)) {
            try PacketSocket(interface: "vb", protocol: EtherType.arp)
        }
        let sender = try withNetworkNamespace(.named(lab.left)) { try PacketSocket(interface: "va") }
        let arp = ARPPacket(
            operation: .request,
            senderMAC: MACAddress([2, 0, 0, 0, 0, 9]),
            senderIP: IPv4Address(192, 0, 2, 9),
            targetMAC: .zero,
            targetIP: IPv4Address(192, 0, 2, 200)
        )
        try sender.send(
            EthernetFrame(
                destination: .broadcast,
                source: arp.senderMAC,
                etherType: EtherType.arp,
                payload: arp.encoded()
            ).encoded()
        )
        var seen: ARPPacket?
        let deadline = monotonicNanoseconds() + 2_000_000_000
        while seen == nil, monotonicNanoseconds() < deadline,
            let frame = try receiver.receive(timeoutNs: 200_000_000)
        {
            let ethernet = try EthernetFrame(decoding: frame.bytes)
            if ethernet.etherType == EtherType.arp, frame.direction == .broadcast {
                let packet = try ARPPacket(decoding: ethernet.payload)
                if packet.senderIP == arp.senderIP { seen = packet }
            }
        }
        #expect(seen == arp)
    }

    @Test("capturing on an interface that does not exist names it")
    func captureMissingInterface() throws {
        let error = #expect(throws: PcapError.self) {
            try PacketCapture(interface: "lxcdiag-nope0")
        }
        #expect(error?.kind == .noSuchDevice)
        #expect(error?.description.contains("lxcdiag-nope0") == true)
    }
}
