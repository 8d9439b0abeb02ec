import ARPSuite
import Foundation
import PacketCodec
import Testing

private func mac(_ last: UInt8) -> MACAddress { MACAddress([0x00, 0x16, 0x3e, 0, 0, last]) }
private func ip(_ last: UInt8) -> IPv4Address { IPv4Address(198, 51, 100, last) }

@Suite("Responders, duplicates and ARP flux")
struct ClassificationTests {
    @Test("two stations claiming one address are a duplicate")
    func duplicate() {
        var table = ResponderTable()
        table.record(ip: ip(10), mac: mac(1), rttNs: 100)
        table.record(ip: ip(10), mac: mac(2), rttNs: 300)
        table.record(ip: ip(11), mac: mac(3), rttNs: 90)
        table.record(ip: ip(10), mac: mac(1), rttNs: 80)
        #expect(table.conflicts == [AddressConflict(ip: ip(10), macs: [mac(1), mac(2)], cause: .duplicate)])
        #expect(table.responders.map(\.replies) == [2, 1, 1])
        #expect(table.responders.first?.rttNs == 100)
    }

    @Test("one host answering for both its addresses from both interfaces is ARP flux")
    func flux() {
        var table = ResponderTable()
        for address in [ip(20), ip(21)] {
            table.record(ip: address, mac: mac(5), rttNs: nil)
            table.record(ip: address, mac: mac(6), rttNs: nil)
        }
        #expect(table.conflicts.map(\.cause) == [.flux, .flux])
        #expect(table.addressCount == 2)
    }

    @Test("vendors come from the OUI list, never for locally administered MACs")
    func vendors() {
        let text = """
            OUI/MA-L                                                    Organization
            company_id                                                  Organization
                                                                        Address

            00-16-3E   (hex)\t\tXensource, Inc.
            00163E     (base 16)\t\tXensource, Inc.
            \t\t\t\t4025 Bohannon Drive

            52-54-00   (hex)\t\tQEMU Virtual NIC
            """
        let registry = OUIRegistry(parsing: text)
        #expect(registry.count == 2)
        #expect(registry.vendor(of: mac(1)) == "Xensource, Inc.")
        #expect(registry.vendor(of: MACAddress("02:16:3e:00:00:01")!) == nil)
        let only = OUIRegistry(parsing: text, only: [OUIRegistry.key([0x00, 0x16, 0x3e])])
        #expect(only.count == 1)
        var table = ResponderTable()
        table.record(ip: ip(1), mac: mac(1), rttNs: nil)
        table.attachVendors(registry)
        #expect(table.responders.first?.vendor == "Xensource, Inc.")
    }

    @Test(
        "the system OUI list names a well-known prefix",
        .enabled(if: FileManager.default.isReadableFile(atPath: OUIRegistry.systemPath), "needs ieee-data")
    )
    func systemList() {
        let registry = OUIRegistry.load(for: [MACAddress("00:00:0c:12:34:56")!])
        #expect(registry.vendor(of: MACAddress("00:00:0c:12:34:56")!)?.lowercased().contains("cisco") == true)
        // The lookup a streaming scan uses agrees with the full parse on every prefix it is asked for.
        let lookup = VendorLookup()
        let full = OUIRegistry.load(for: [MACAddress("00:00:0c:12:34:56")!, MACAddress("00:16:3e:00:00:01")!])
        for mac in [MACAddress("00:00:0c:12:34:56")!, MACAddress("00:16:3e:00:00:01")!] {
            #expect(lookup.vendor(of: mac) == full.vendor(of: mac))
        }
    }

    @Test("a table hands back each address-and-MAC pair once, on its first reply, for a scan to stream")
    func firstReplies() {
        var table = ResponderTable()
        #expect(table.record(ip: ip(1), mac: mac(1), rttNs: 5) == Responder(ip: ip(1), mac: mac(1), rttNs: 5))
        #expect(table.record(ip: ip(1), mac: mac(1), rttNs: 7) == nil)
        #expect(table.record(ip: ip(1), mac: mac(2), rttNs: nil)?.mac == mac(2))
        #expect(table.responders.map(\.replies) == [2, 1])
    }

    @Test("the per-prefix lookup finds a prefix's own line, not a mention of it elsewhere")
    func perPrefixLookup() throws {
        let path = NSTemporaryDirectory() + "lxcdiag-t-oui-\(getpid()).txt"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let text = """
            OUI/MA-L\t\t\tOrganization
            AA-BB-CC   (hex)\t\tDecoy Ltd
            \t\t\t\tmentions 00-16-3E in its address

            00-16-3E   (hex)\t\tXensource, Inc.
            00163E     (base 16)\t\tXensource, Inc.
            """
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let lookup = VendorLookup(path: path)
        #expect(lookup.vendor(of: MACAddress("00:16:3e:00:00:01")!) == "Xensource, Inc.")
        #expect(lookup.vendor(of: MACAddress("00:16:3e:99:00:01")!) == "Xensource, Inc.")
        #expect(lookup.vendor(of: MACAddress("00:16:3f:00:00:01")!) == nil)
        #expect(lookup.vendor(of: MACAddress("02:16:3e:00:00:01")!) == nil)
        #expect(VendorLookup(path: path + ".missing").vendor(of: MACAddress("00:16:3e:00:00:01")!) == nil)
    }
}
