import PacketCodec
import Testing

@Suite("Addresses")
struct AddressTests {
    @Test("MAC addresses parse and print in canonical form", arguments: ["02:00:5e:10:00:01", "02-00-5E-10-00-01"])
    func macRoundTrip(text: String) throws {
        let mac = try #require(MACAddress(text))
        #expect(mac.description == "02:00:5e:10:00:01")
        #expect(mac.isLocallyAdministered)
        #expect(!mac.isMulticast)
    }

    @Test(
        "malformed MAC addresses are rejected",
        arguments: ["", "02:00:5e:10:00", "02:00:5e:10:00:01:02", "zz:00:00:00:00:00", "123:0:0:0:0:0"]
    )
    func macRejects(text: String) {
        #expect(MACAddress(text) == nil)
    }

    @Test("IPv4 addresses parse, print and order")
    func ipv4() throws {
        let address = try #require(IPv4Address("192.0.2.11"))
        #expect(address.description == "192.0.2.11")
        #expect(address.bytes == [192, 0, 2, 11])
        #expect(address < IPv4Address(192, 0, 2, 12))
        for bad in ["192.0.2", "192.0.2.256", "192.0.2.-1", "a.b.c.d", "1.2.3.4.5", "01234.0.0.1", ""] {
            #expect(IPv4Address(bad) == nil, "\(bad) should not parse")
        }
    }

    @Test("IPv4 networks know their hosts")
    func networks() throws {
        let network = try #require(IPv4Network("192.0.2.77/24"))
        #expect(network.description == "192.0.2.0/24")
        #expect(network.hosts.count == 254)
        #expect(network.hosts.first == IPv4Address(192, 0, 2, 1))
        #expect(network.contains(IPv4Address(192, 0, 2, 254)))
        #expect(!network.contains(IPv4Address(192, 0, 3, 1)))
        #expect(try #require(IPv4Network("10.0.0.1/31")).hosts.count == 2)
        #expect(IPv4Network("10.0.0.0/33") == nil)
        #expect(try #require(IPv4Network("10.0.0.9")).prefixLength == 32)
    }

    @Test("the Internet checksum matches RFC 1071's example")
    func checksum() {
        // RFC 1071 section 3: the one's complement sum of these words is 0xddf2.
        #expect(internetChecksum([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]) == ~UInt16(0xddf2))
        #expect(internetChecksum([0xff]) == ~UInt16(0xff00))
    }
}
