import Netlink
import Testing

@Suite("netlink message and attribute parsing")
struct NetlinkCodecTests {
    @Test("a message survives encode and split; attributes skip padding and clear the nested flag")
    func roundTrip() throws {
        // Two attributes: type 3 "ab\0" (length 7, padded to 8) and a nested type 18 | NLA_F_NESTED holding u32 7.
        let payload: [UInt8] = [7, 0, 3, 0, 0x61, 0x62, 0, 0] + [12, 0, 18, 0x80, 8, 0, 1, 0, 7, 0, 0, 0]
        let message = NetlinkMessage(type: 16, flags: 2, sequence: 9, payload: payload)
        let bytes = message.encoded + NetlinkMessage(type: 3, flags: 2, sequence: 9, payload: [0, 0, 0, 0]).encoded
        let split = try NetlinkMessage.split(bytes)
        #expect(split.count == 2)
        #expect(split[0] == message)
        let attributes = try NetlinkAttributes(split[0].payload[...])
        #expect(attributes.string(3) == "ab")
        #expect(try attributes.nested(18)?.uint32(1) == 7)
        #expect(attributes.bytes(4) == nil)
    }

    @Test("lengths beyond the buffer are reported, not read")
    func truncated() {
        #expect(throws: NetlinkError.self) {
            try NetlinkMessage.split([64, 0, 0, 0] + [UInt8](repeating: 0, count: 20))
        }
        #expect(throws: NetlinkError.self) { try NetlinkAttributes([40, 0, 1, 0, 0, 0][...]) }
    }

    @Test("NLMSG_ERROR becomes a NetlinkError with errno and the extended-ack text")
    func kernelError() throws {
        // struct nlmsgerr: error -EOPNOTSUPP (-95), the echoed request header (capped), then NLMSGERR_ATTR_MSG.
        var payload: [UInt8] = [0xA1, 0xFF, 0xFF, 0xFF]
        payload += NetlinkMessage(type: 18, flags: 0x301, sequence: 5, payload: []).encoded
        let text = Array("Unknown device type".utf8) + [0]
        payload += [UInt8(4 + text.count), 0, 1, 0] + text
        payload += [UInt8](repeating: 0, count: (4 - (4 + text.count) % 4) % 4)
        let error = NetlinkMessage(type: 2, flags: 0x100 | 0x200, sequence: 5, payload: payload)
        let thrown = #expect(throws: NetlinkError.self) { try DumpReply(recorded: error.encoded) }
        #expect(thrown?.code == 95)
        #expect(thrown?.description.contains("Unknown device type") == true)
    }

    @Test("an NLMSG_ERROR carrying INT32_MIN is a NetlinkError, not a trap (found by probes/fuzz)")
    func errorCodeOutOfRange() {
        // nlmsghdr: length 20, NLMSG_ERROR, no flags, sequence 0, port 0; nlmsgerr.error 0x80000000.
        let recorded: [UInt8] = [20, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] + [0, 0, 0, 0x80]
        let thrown = #expect(throws: NetlinkError.self) { try DumpReply(recorded: recorded) }
        #expect(thrown?.description.hasPrefix("rtnetlink request failed") == true)
    }

    @Test("the request for each dump has the header and family the kernel expects")
    func requests() throws {
        let links = DumpRequest.links.message(sequence: 7)
        #expect(links.type == 18 && links.flags == 0x301 && links.sequence == 7)
        #expect(links.payload.count == 16 + 8)
        #expect(DumpRequest.fdb.message(sequence: 1).payload.first == 7)
        #expect(DumpRequest.neighbours.message(sequence: 1).payload.first == 2)
        #expect(DumpRequest.routes.message(sequence: 1).payload.count == 12)
        #expect(DumpRequest.addresses.replyType == 20)
    }
}
