import ExpectedPath
import PacketCodec
import Testing
import Topology

@Suite("Expected paths over the lab's wiring")
struct PathFinderTests {
    /// `node:interface reason` for each hop, the shape a person reads.
    private func summary(_ path: ExpectedPath) -> [String] {
        path.hops.map { "\($0.node):\($0.interface) \($0.reason.rawValue)" }
    }

    @Test("ext to ct1 over veth: the outside switch, em1, br0 (flood while the FDB is empty), veth-ct1, ct1 eth0")
    func extToVethContainer() {
        let lab = Lab()
        let path = PathFinder.path(
            from: endpoint("ext", "192.0.2.1"),
            to: endpoint("ct1", "192.0.2.11"),
            in: lab.topology
        )
        #expect(
            summary(path) == [
                "ext:eth0 route-lookup", "ext:sw0-p0 veth-peer", "ext:sw0 bridge-flood", "ext:sw0-p1 bridge-flood",
                "host:em1 veth-peer", "host:br0 bridge-flood", "host:veth-ct1 bridge-flood", "ct1:eth0 veth-peer",
            ]
        )
        #expect(path.reachable)
        #expect(path.blockedHop == nil)
        #expect(path.hops.allSatisfy { $0.destinationMAC == MACAddress("02:00:00:00:01:01") })
        #expect(path.hops.last?.detail.hasSuffix("ct1 holds 192.0.2.11: delivered") == true)
        #expect(path.hops.filter { !$0.observable }.map(\.interface) == ["sw0", "br0"])
    }

    @Test("a learned FDB entry is followed instead of flooding")
    func fdbEntry() {
        var lab = Lab()
        lab.builder.fdb("host", mac: "02:00:00:00:01:01", port: lab.vethCT1, bridge: lab.br0, state: .learned)
        let path = PathFinder.path(
            from: endpoint("ext", "192.0.2.1"),
            to: endpoint("ct1", "192.0.2.11"),
            in: lab.topology
        )
        #expect(path.hops[5].reason == .bridgeFDB)
        #expect(path.hops[5].detail == "FDB: 02:00:00:00:01:01 is on veth-ct1 (learned)")
        #expect(path.reachable)
    }

    @Test("ext to ct3 over macvlan: br0 passes the frame up to its macvlan child")
    func extToMacvlanContainer() {
        let path = PathFinder.path(
            from: endpoint("ext", "192.0.2.1"),
            to: endpoint("ct3", "192.0.2.13"),
            in: Lab().topology
        )
        #expect(
            summary(path).suffix(3) == ["host:em1 veth-peer", "host:br0 bridge-local", "ct3:eth0 macvlan-child"]
        )
        #expect(path.reachable)
    }

    @Test("ct1 to ct2 on the same bridge")
    func containerToContainer() {
        let path = PathFinder.path(
            from: endpoint("ct1", "192.0.2.11"),
            to: endpoint("ct2", "192.0.2.12"),
            in: Lab().topology
        )
        #expect(
            summary(path) == [
                "ct1:eth0 route-lookup", "host:veth-ct1 veth-peer", "host:br0 bridge-flood",
                "host:veth-ct2 bridge-flood", "ct2:eth0 veth-peer",
            ]
        )
        #expect(path.reachable)
    }

    @Test("host to ct1 via em2 and the outside switch, back in through em1")
    func hostToContainerViaOutside() {
        let path = PathFinder.path(
            from: endpoint("host", "192.0.2.2", interface: "em2"),
            to: endpoint("ct1", "192.0.2.11"),
            in: Lab().topology
        )
        #expect(
            summary(path) == [
                "host:em2 route-lookup", "ext:sw0-p2 veth-peer", "ext:sw0 bridge-flood", "ext:sw0-p1 bridge-flood",
                "host:em1 veth-peer", "host:br0 bridge-flood", "host:veth-ct1 bridge-flood", "ct1:eth0 veth-peer",
            ]
        )
        #expect(path.reachable)
    }

    @Test("on real hardware em1 and em2 are physical: the frame leaves em2 and is assumed back on em1")
    func physicalUplinks() {
        var b = TopologyBuilder()
        b.namespace("host", kind: .host)
        b.namespace("ct1", kind: .lxc)
        let em1 = b.link("host", "em1", kind: .physical, mac: "00:1b:21:00:00:01")
        let em2 = b.link("host", "em2", kind: .physical, mac: "00:1b:21:00:00:02")
        let br0 = b.link("host", "br0", kind: .bridge, mac: "00:1b:21:00:00:01")
        b.enslave(em1, to: br0)
        b.address(em2, "192.0.2.2/24")
        let (vethCT1, eth0) = b.veth(("host", "veth-ct1", "fe:00:00:00:01:01"), ("ct1", "eth0", "02:00:00:00:01:01"))
        b.enslave(vethCT1, to: br0)
        b.address(eth0, "192.0.2.11/24")
        let path = PathFinder.path(
            from: endpoint("host", "192.0.2.2", interface: "em2"),
            to: endpoint("ct1", "192.0.2.11"),
            in: b.topology
        )
        #expect(
            summary(path) == [
                "host:em2 route-lookup", "outside:- outside", "host:em1 from-outside", "host:br0 bridge-flood",
                "host:veth-ct1 bridge-flood", "ct1:eth0 veth-peer",
            ]
        )
        #expect(path.reachable)
        #expect(path.notes.contains("assumed: the outside network delivers the frame from host:em2 to host:em1"))
        #expect(path.hops[1].observable == false)
    }

    @Test("host to the macvlan child through its own parent is blocked by design")
    func hostThroughMacvlanParent() {
        var lab = Lab()
        lab.builder.address(lab.br0, "198.51.100.1/24")
        lab.builder.address(lab.builder.topology.namespaces[4].links[1].reference(in: "ct3"), "198.51.100.13/24")
        let path = PathFinder.path(
            from: endpoint("host", "198.51.100.1"),
            to: endpoint("ct3", "198.51.100.13"),
            in: lab.topology
        )
        #expect(summary(path) == ["host:br0 route-lookup", "ct3:eth0 macvlan-child"])
        let blocked = path.blockedHop
        #expect(blocked?.blockedByDesign == true)
        #expect(blocked?.blocked?.contains("own stack cannot reach its macvlan children") == true)
        #expect(!path.reachable)
    }

    @Test("macvlan children in bridge mode reach each other directly; private mode blocks them")
    func macvlanSiblings() {
        for mode in [MacvlanMode.bridge, .private] {
            var lab = Lab()
            let ct4 = {
                lab.builder.namespace("ct4", kind: .lxc)
                return lab.builder.macvlan("ct4", "eth0", mac: "02:00:00:00:01:04", parent: lab.br0, mode: mode)
            }()
            lab.builder.address(ct4, "192.0.2.14/24")
            lab.builder.update(lab.builder.topology.namespaces[4].links[1].reference(in: "ct3")) {
                $0.macvlan?.mode = mode
            }
            let path = PathFinder.path(
                from: endpoint("ct4", "192.0.2.14"),
                to: endpoint("ct3", "192.0.2.13"),
                in: lab.topology
            )
            if mode == .bridge {
                #expect(summary(path) == ["ct4:eth0 route-lookup", "ct3:eth0 macvlan-child"])
                #expect(path.reachable)
            } else {
                #expect(summary(path) == ["ct4:eth0 route-lookup", "ct3:eth0 macvlan-child"])
                #expect(path.blockedHop?.blocked?.contains("private mode") == true)
                #expect(path.blockedHop?.blockedByDesign == true)
            }
        }
    }

    @Test("a blocking port, disabled flooding, a down link and a missing route each stop the walk there")
    func faults() {
        var blocking = Lab()
        blocking.builder.update(blocking.vethCT1) { $0.bridgePort?.state = .blocking }
        let stp = PathFinder.path(
            from: endpoint("ext", "192.0.2.1"),
            to: endpoint("ct1", "192.0.2.11"),
            in: blocking.topology
        )
        #expect(stp.blockedHop?.interface == "veth-ct1")
        #expect(stp.blockedHop?.blocked == "bridge port host:veth-ct1 is in STP state blocking")

        var noFlood = Lab()
        noFlood.builder.update(noFlood.vethCT1) { $0.bridgePort?.unicastFlood = false }
        let flood = PathFinder.path(
            from: endpoint("ext", "192.0.2.1"),
            to: endpoint("ct1", "192.0.2.11"),
            in: noFlood.topology
        )
        #expect(flood.blockedHop?.blocked?.contains("flooding is off on host:veth-ct1") == true)

        var down = Lab()
        down.builder.update(down.em1) { $0.isUp = false }
        let linkDown = PathFinder.path(
            from: endpoint("ext", "192.0.2.1"),
            to: endpoint("ct1", "192.0.2.11"),
            in: down.topology
        )
        #expect(linkDown.blockedHop?.interface == "em1")
        #expect(linkDown.blockedHop?.blocked == "em1 is administratively down")

        let noRoute = PathFinder.path(
            from: endpoint("ct1", "192.0.2.11"),
            to: endpoint("ext", "203.0.113.9"),
            in: Lab().topology
        )
        #expect(noRoute.blockedHop?.blocked == "ct1 has no route to 203.0.113.9")
        #expect(!noRoute.reachable)
    }

    @Test("a neighbour entry that disagrees with the owner's MAC is noted")
    func staleNeighbour() {
        var lab = Lab()
        let eth0 = lab.builder.topology.namespaces[1].links.first { $0.name == "eth0" }!.reference(in: "ext")
        lab.builder.neighbour("ext", "192.0.2.11", mac: "02:00:00:00:09:09", on: eth0, .stale)
        let path = PathFinder.path(
            from: endpoint("ext", "192.0.2.1"),
            to: endpoint("ct1", "192.0.2.11"),
            in: lab.topology
        )
        #expect(path.hops[0].detail.contains("neighbour 192.0.2.11 02:00:00:00:09:09 (stale)"))
        #expect(path.notes.contains { $0.contains("caches 192.0.2.11 as 02:00:00:00:09:09") })
    }

    @Test("an address held twice is noted, and the destination's own holder is the one the path goes to")
    func duplicateAddress() {
        var lab = Lab()
        let ct2 = lab.builder.topology.namespaces[3].links[1].reference(in: "ct2")
        lab.builder.address(ct2, "192.0.2.11/24", route: false)
        let path = PathFinder.path(
            from: endpoint("ext", "192.0.2.1"),
            to: endpoint("ct2", "192.0.2.11"),
            in: lab.topology
        )
        #expect(path.hops.last.map { "\($0.node):\($0.interface)" } == "ct2:eth0")
        #expect(path.notes.contains { $0.contains("192.0.2.11 is held by several namespaces (ct1:eth0, ct2:eth0)") })
    }
}

extension Link {
    fileprivate func reference(in node: String) -> LinkReference { LinkReference(node: node, index: index, name: name) }
}

@Suite("The text form of a path")
struct PathTextTests {
    @Test("golden: host to the macvlan child through its parent")
    func blockedByDesign() {
        var lab = Lab()
        lab.builder.address(lab.br0, "198.51.100.1/24")
        let ct3 = lab.builder.topology.namespaces[4].links[1]
        lab.builder.address(LinkReference(node: "ct3", index: ct3.index, name: ct3.name), "198.51.100.13/24")
        var path = PathFinder.path(
            from: endpoint("host", "198.51.100.1"),
            to: endpoint("ct3", "198.51.100.13"),
            in: lab.topology
        )
        path.hops[0].cautions = ["ip filter OUTPUT (hook output) can drop packets the sender sends: policy drop"]
        #expect(
            PathText.render(path) == """
                path host (host 198.51.100.1) -> ct3 (ct3 198.51.100.13): blocked by design
                    1  host  br0   egress    route-lookup   route 198.51.100.0/24 dev br0; no neighbour entry for \
                198.51.100.13 yet (ARP resolves it)
                       ! ip filter OUTPUT (hook output) can drop packets the sender sends: policy drop
                    2  ct3   eth0  ingress   macvlan-child  macvlan child of host:br0 (mode bridge) owns \
                02:00:00:00:01:03
                       BLOCKED BY DESIGN: host:br0's own stack cannot reach its macvlan children (by design); send \
                through another interface and the outside network instead

                """
        )
    }
}
