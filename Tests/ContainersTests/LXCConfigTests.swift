import Containers
import PacketCodec
import Testing

@Suite("Parsing LXC container configs")
struct LXCConfigTests {
    private let text = """
        # Template used to create this container: /usr/share/lxc/templates/lxc-busybox
        lxc.include = /usr/share/lxc/config/common.conf
        lxc.uts.name = "ct1"
        lxc.net.0.type = veth
        lxc.net.0.link = br0
        lxc.net.0.flags = up
        lxc.net.0.name = eth0
        lxc.net.0.hwaddr = 02:00:00:00:01:01
        lxc.net.0.veth.pair = veth-ct1
        lxc.net.0.ipv4.address = 192.0.2.11/24
        lxc.net.0.ipv4.address = 198.51.100.11/24
        lxc.net.0.ipv4.gateway = 192.0.2.1
        lxc.net.0.mtu = 1500
          lxc.net.1.type=macvlan
        lxc.net.1.link = br0
        lxc.net.1.macvlan.mode = bridge
        lxc.net.1.hwaddr = 00:16:3e:xx:xx:xx
        lxc.net.1.ipv4.address = 192.0.2.13
        not a config line
        """

    private func parse(_ text: String) -> LXCConfig {
        LXCConfig.parse(text, file: "/var/lib/lxc/ct1/config") { path in
            switch path {
            case "/usr/share/lxc/config/common.conf":
                return .file("lxc.include = /usr/share/lxc/config/common.conf.d/\nlxc.cap.drop = mac_admin\n")
            case "/usr/share/lxc/config/common.conf.d/": return .directory(["README", "10-net.conf", "00-a.conf"])
            case "/usr/share/lxc/config/common.conf.d/00-a.conf": return .file("lxc.tty.max = 4")
            case "/usr/share/lxc/config/common.conf.d/10-net.conf": return .file("lxc.net.2.type = empty")
            default: return nil
            }
        }
    }

    @Test("veth and macvlan declarations come out with every field")
    func declarations() throws {
        let networks = parse(text).networks
        #expect(networks.map(\.index) == [0, 1, 2])
        let veth = networks[0]
        #expect(veth.type == "veth")
        #expect(veth.link == "br0")
        #expect(veth.name == "eth0")
        #expect(veth.vethPair == "veth-ct1")
        #expect(veth.flags == "up")
        #expect(veth.mtu == 1500)
        #expect(veth.mac == MACAddress("02:00:00:00:01:01"))
        #expect(veth.ipv4Addresses == ["192.0.2.11/24", "198.51.100.11/24"])
        #expect(veth.ipv4Networks.map(\.description) == ["192.0.2.0/24", "198.51.100.0/24"])
        #expect(veth.ipv4Gateway == "192.0.2.1")
        let macvlan = networks[1]
        #expect(macvlan.type == "macvlan")
        #expect(macvlan.macvlanMode == "bridge")
        #expect(macvlan.hwaddr == "00:16:3e:xx:xx:xx")
        #expect(macvlan.mac == nil)
        #expect(macvlan.ipv4Networks.first?.prefixLength == 32)
        #expect(networks[2].type == "empty")
    }

    @Test("includes expand in place, directories by .conf name order; quotes are stripped")
    func includes() {
        let config = parse(text)
        let order = config.entries.prefix(4).map(\.key)
        #expect(order == ["lxc.tty.max", "lxc.net.2.type", "lxc.cap.drop", "lxc.uts.name"])
        #expect(config.entries[1].file == "/usr/share/lxc/config/common.conf.d/10-net.conf")
        #expect(config.value("lxc.uts.name") == "ct1")
        #expect(config.problems == ["/var/lib/lxc/ct1/config:19: not a key = value line"])
    }

    @Test("an unreadable include and an include loop are reported, not fatal")
    func includeProblems() {
        let missing = LXCConfig.parse("lxc.include = /nope\nlxc.net.0.type = veth", file: "c") { _ in nil }
        #expect(missing.problems == ["c:1: cannot read included /nope"])
        #expect(missing.networks.count == 1)
        let loop = LXCConfig.parse("lxc.include = /self", file: "c") { _ in .file("lxc.include = /self") }
        #expect(loop.problems.count == 1)
        #expect(loop.problems.first?.contains("deeper than 8") == true)
    }

    @Test("an empty lxc.net clears earlier declarations and an empty ipv4.address clears addresses")
    func clearing() {
        let config = LXCConfig.parse(
            """
            lxc.net.0.type = veth
            lxc.net =
            lxc.net.0.type = macvlan
            lxc.net.0.ipv4.address = 192.0.2.5/24
            lxc.net.0.ipv4.address =
            lxc.net.0.ipv4.address = 192.0.2.6/24
            """,
            file: "c"
        )
        #expect(config.networks.map(\.type) == ["macvlan"])
        #expect(config.networks.first?.ipv4Addresses == ["192.0.2.6/24"])
    }
}
