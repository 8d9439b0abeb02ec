import Foundation
import Glibc
import Netlink
import Testing

/// A kernel played back: each request sent is answered with the next recorded answer, its datagrams stamped
/// with the request's sequence number as the kernel stamps them; EINTRs and stale datagrams can be put in front.
final class RecordedKernel: NetlinkTransport {
    /// One step of what `receive` does next.
    enum Step {
        /// A datagram of these messages, each answering the request being read (its sequence filled in).
        case datagram([NetlinkMessage])
        /// A datagram answering an earlier request (sequence: the current one minus `behind`).
        case stale([NetlinkMessage], behind: UInt32)
        /// The receive is interrupted by a signal.
        case interrupted
    }

    private var answers: [[Step]]
    private var pending: [Step] = []
    private var sequence: UInt32 = 0
    private(set) var requests: [NetlinkMessage] = []

    init(answers: [[Step]]) { self.answers = answers }

    func send(_ bytes: [UInt8]) throws(NetlinkError) {
        let request = try NetlinkMessage.split(bytes)
        requests += request
        sequence = request.first?.sequence ?? 0
        pending = answers.isEmpty ? [] : answers.removeFirst()
    }

    func receive() throws(NetlinkError) -> [UInt8] {
        guard !pending.isEmpty else { throw NetlinkError("the recording has no more replies") }
        switch pending.removeFirst() {
        case .interrupted:
            throw NetlinkError("interrupted", code: EINTR)
        case .datagram(let messages):
            return stamped(messages, sequence)
        case .stale(let messages, let behind):
            return stamped(messages, sequence &- behind)
        }
    }

    private func stamped(_ messages: [NetlinkMessage], _ sequence: UInt32) -> [UInt8] {
        messages.flatMap { message in
            var message = message
            message.sequence = sequence
            return message.encoded
        }
    }
}

/// The host namespace's link dump recorded by TopologyTests (see its Fixtures/README.md): 13 datagrams' worth
/// of RTM_NEWLINK messages and NLMSG_DONE.
private func recordedLinkDump() throws -> (links: [NetlinkMessage], done: NetlinkMessage) {
    let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../TopologyTests/Fixtures/lab/host/links.bin")
    let messages = try NetlinkMessage.split([UInt8](try Data(contentsOf: file)))
    let done = try #require(messages.last)
    #expect(done.type == 3)
    return (Array(messages.dropLast()), done)
}

/// NLM_F_DUMP_INTR: the kernel's table changed while the dump was read.
private let dumpInterrupted: UInt16 = 0x10

@Suite("NetlinkSocket on recorded replies: sequencing and dump retries, without root")
struct NetlinkSocketTests {
    @Test("a dump spread over one datagram per message is read until NLMSG_DONE, every link kept in order")
    func partialDatagrams() throws {
        let (links, done) = try recordedLinkDump()
        #expect(links.count > 3)
        let kernel = RecordedKernel(answers: [links.map { .datagram([$0]) } + [.datagram([done])]])
        let reply = try NetlinkSocket(transport: kernel, firstSequence: 41).dump(.links)
        #expect(reply.messages.map(\.payload) == links.map(\.payload))
        #expect(try reply.links().count == links.count)
        #expect(kernel.requests.map(\.sequence) == [42])
        #expect(kernel.requests.first?.type == 18)  // RTM_GETLINK
        #expect(kernel.requests.first.map { $0.flags & 0x300 == 0x300 } == true)  // NLM_F_DUMP
    }

    @Test("a dump the kernel flags interrupted is read again, and the second, whole answer is returned")
    func interruptedDumpIsRepeated() throws {
        let (links, done) = try recordedLinkDump()
        var flagged = links[0]
        flagged.flags |= dumpInterrupted
        let kernel = RecordedKernel(answers: [
            [.datagram([flagged]), .datagram([done])],
            [.datagram(links), .datagram([done])],
        ])
        let reply = try NetlinkSocket(transport: kernel, firstSequence: 7).dump(.links)
        #expect(kernel.requests.map(\.sequence) == [8, 9])
        #expect(reply.messages.count == links.count)
    }

    @Test("a dump interrupted every time is read three times in all and the last answer returned as it is")
    func interruptedEveryTime() throws {
        let (links, done) = try recordedLinkDump()
        var flagged = links[1]
        flagged.flags |= dumpInterrupted
        let answer: [RecordedKernel.Step] = [.datagram([links[0], flagged]), .datagram([done])]
        let kernel = RecordedKernel(answers: Array(repeating: answer, count: 5))
        let reply = try NetlinkSocket(transport: kernel, firstSequence: 0).dump(.links)
        #expect(kernel.requests.count == NetlinkSocket.dumpAttempts)
        #expect(kernel.requests.map(\.sequence) == [1, 2, 3])
        #expect(reply.messages.count == 2)
    }

    @Test("a receive interrupted by a signal (EINTR) is retried, between datagrams of one dump too")
    func interruptedReceiveIsRetried() throws {
        let (links, done) = try recordedLinkDump()
        let kernel = RecordedKernel(answers: [
            [.interrupted, .datagram(Array(links.prefix(2))), .interrupted, .interrupted, .datagram([done])]
        ])
        let reply = try NetlinkSocket(transport: kernel, firstSequence: 100).dump(.links)
        #expect(reply.messages.count == 2)
    }

    @Test("a signal storm is not retried forever: past the bound the EINTR is thrown")
    func endlessInterruptions() throws {
        let steps = [RecordedKernel.Step](repeating: .interrupted, count: 200)
        let kernel = RecordedKernel(answers: [steps])
        let error = #expect(throws: NetlinkError.self) {
            try NetlinkSocket(transport: kernel, firstSequence: 1).dump(.routes)
        }
        #expect(error?.code == EINTR)
    }

    @Test("replies to an earlier, abandoned request are skipped, and left out of the dump's bytes")
    func staleRepliesSkipped() throws {
        let (links, done) = try recordedLinkDump()
        let kernel = RecordedKernel(answers: [
            [.stale(Array(links.prefix(3)), behind: 1), .stale([done], behind: 1), .datagram([links[0], done])]
        ])
        let reply = try NetlinkSocket(transport: kernel, firstSequence: 9).dump(.links)
        #expect(reply.messages.map(\.payload) == [links[0].payload])
        #expect(reply.messages.allSatisfy { $0.sequence == 10 })
        #expect(try NetlinkMessage.split(reply.bytes).allSatisfy { $0.sequence == 10 })
    }

    @Test("an NLMSG_ERROR reply is thrown with the kernel's errno")
    func kernelError() throws {
        var payload: [UInt8] = []
        withUnsafeBytes(of: -EPERM) { payload += $0 }
        payload += [UInt8](repeating: 0, count: 16)
        let error = NetlinkMessage(type: 2, flags: 0, sequence: 0, payload: payload)
        let kernel = RecordedKernel(answers: [[.datagram([error])]])
        let thrown = #expect(throws: NetlinkError.self) {
            try NetlinkSocket(transport: kernel, firstSequence: 1).dump(.neighbours)
        }
        #expect(thrown?.code == EPERM)
    }

    @Test("each request takes the next sequence number, and the counter skips 0 when it wraps")
    func sequenceWraps() throws {
        let done = NetlinkMessage(type: 3, flags: 2, sequence: 0, payload: [0, 0, 0, 0])
        let kernel = RecordedKernel(answers: Array(repeating: [.datagram([done])], count: 3))
        let socket = NetlinkSocket(transport: kernel, firstSequence: UInt32.max - 1)
        for request in [DumpRequest.links, .addresses, .fdb] { _ = try socket.dump(request) }
        #expect(kernel.requests.map(\.sequence) == [UInt32.max, 1, 2])
    }

    @Test("RTM_GETNSID takes the answer to its own sequence, skipping leftovers, and reads NETNSA_NSID")
    func namespaceIDSkipsLeftovers() throws {
        // RTM_NEWNSID: rtgenmsg (4 bytes), then NETNSA_NSID (type 1) = 5.
        var payload: [UInt8] = [0, 0, 0, 0, 8, 0, 1, 0]
        withUnsafeBytes(of: Int32(5)) { payload += $0 }
        let answer = NetlinkMessage(type: 88, flags: 0, sequence: 0, payload: payload)
        var other = payload
        other[8] = 9
        let leftover = NetlinkMessage(type: 88, flags: 0, sequence: 0, payload: other)
        let kernel = RecordedKernel(answers: [[.stale([leftover], behind: 3), .datagram([answer])]])
        let id = try NetlinkSocket(transport: kernel, firstSequence: 20).namespaceID(ofNamespaceDescriptor: 3)
        #expect(id == 5)
        #expect(kernel.requests.first?.type == 90)  // RTM_GETNSID
    }
}
