import Foundation
import LinuxNet
import Netlink
import Testing
import Topology

/// iproute2 reads saved netlink messages with `ip monitor file`; its view of each fixture must match ours.
@Suite("fixtures decoded by iproute2 agree", .enabled(if: ExternalCommand.locate("ip") != nil, "needs iproute2"))
struct IndependentDecoderTests {
    @Test("index, name, MTU, kind details per link", arguments: ["vlan", "ipvlan", "lab/host", "lab/ct3", "lab/ct4"])
    func links(fixture: String) throws {
        let file = FixtureFiles.directory.appendingPathComponent("\(fixture)/links.bin").path
        let output = try ExternalCommand.check(["ip", "-d", "monitor", "file", file])
        let dump = try NamespaceDump(recordedIn: FixtureFiles.directory.appendingPathComponent(fixture))
        let snapshot = try NamespaceSnapshot(node: NetworkNode(name: "host", kind: .host), dump: dump)
        // `ip` starts each link with "N: NAME[@LINK]: <FLAGS> mtu M".
        let headers = output.split(separator: "\n").filter { $0.first?.isNumber == true }
        #expect(headers.count == snapshot.links.count)
        for link in snapshot.links {
            let header = try #require(headers.first { $0.hasPrefix("\(link.index): \(link.name)") })
            #expect(header.contains(" mtu \(link.mtu) "))
        }
        for link in snapshot.links {
            if let mode = link.macvlan?.mode { #expect(output.contains("macvlan mode \(mode.rawValue)")) }
            if let vlan = link.vlan { #expect(output.contains(" id \(vlan.id) ")) }
            if let ipvlan = link.ipvlan {
                let flag = ipvlan.isPrivate ? "private" : ipvlan.isVEPA ? "vepa" : "bridge"
                #expect(output.contains("ipvlan  mode \(ipvlan.mode.rawValue) \(flag)"))
            }
            if let port = link.bridgePort { #expect(output.contains("state \(port.state.rawValue)")) }
        }
    }
}
