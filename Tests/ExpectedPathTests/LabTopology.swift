import ExpectedPath
import PacketCodec
import Topology

/// An endpoint named after its node; an interface, when given, is pinned (as `iface:NAME` does).
func endpoint(_ node: String, _ ip: String, interface: String? = nil) -> PathEndpoint {
    PathEndpoint(
        endpoint: node,
        node: node,
        interface: interface,
        interfacePinned: interface != nil,
        ip: IPv4Address(ip)!
    )
}

/// Builds topology model values the way rtnetlink capture would report them, for path tests without root.
struct TopologyBuilder {
    private(set) var topology = HostTopology(namespaces: [])

    private func position(_ node: String) -> Int { topology.namespaces.firstIndex { $0.node.name == node }! }

    mutating func namespace(_ name: String, kind: NodeKind = .netns) {
        topology.namespaces.append(NamespaceSnapshot(node: NetworkNode(name: name, kind: kind)))
        link(name, "lo", kind: .loopback, mac: nil)
    }

    @discardableResult
    mutating func link(_ node: String, _ name: String, kind: LinkKind, mac: String?) -> LinkReference {
        let at = position(node)
        let index = Int32(topology.namespaces[at].links.count + 1)
        var link = Link(index: index, name: name, kind: kind, mtu: kind == .loopback ? 65_536 : 1500)
        link.mac = mac.flatMap(MACAddress.init)
        link.isUp = true
        link.operState = .up
        link.carrier = true
        if kind == .bridge { link.bridge = BridgeSettings(stpState: .off) }
        topology.namespaces[at].links.append(link)
        return LinkReference(node: node, index: index, name: name)
    }

    mutating func update(_ reference: LinkReference, _ change: (inout Link) -> Void) {
        let at = position(reference.node)
        let index = topology.namespaces[at].links.firstIndex { $0.index == reference.index }!
        change(&topology.namespaces[at].links[index])
    }

    @discardableResult
    mutating func veth(_ a: (String, String, String), _ b: (String, String, String)) -> (LinkReference, LinkReference) {
        let left = link(a.0, a.1, kind: .veth, mac: a.2)
        let right = link(b.0, b.1, kind: .veth, mac: b.2)
        update(left) { $0.peer = right }
        update(right) { $0.peer = left }
        return (left, right)
    }

    mutating func enslave(_ port: LinkReference, to bridge: LinkReference) {
        update(port) {
            $0.master = bridge
            $0.bridgePort = BridgePort(state: .forwarding, learning: true, unicastFlood: true)
        }
    }

    @discardableResult
    mutating func macvlan(
        _ node: String,
        _ name: String,
        mac: String,
        parent: LinkReference,
        mode: MacvlanMode
    )
        -> LinkReference
    {
        let child = link(node, name, kind: .macvlan, mac: mac)
        update(child) {
            $0.parent = parent
            $0.macvlan = MacvlanSettings(mode: mode)
        }
        return child
    }

    mutating func address(_ reference: LinkReference, _ cidr: String, route: Bool = true) {
        let network = IPv4Network(cidr)!
        let at = position(reference.node)
        topology.namespaces[at].addresses.append(
            AddressAssignment(interface: reference, address: network.address, prefixLength: network.prefixLength)
        )
        if route {
            topology.namespaces[at].routes.append(
                Route(
                    destination: network.networkAddress,
                    prefixLength: network.prefixLength,
                    interface: reference,
                    origin: "kernel",
                    scope: "link"
                )
            )
        }
    }

    mutating func route(_ node: String, _ cidr: String, via gateway: String, dev reference: LinkReference) {
        let network = IPv4Network(cidr)!
        topology.namespaces[position(node)].routes.append(
            Route(
                destination: network.networkAddress,
                prefixLength: network.prefixLength,
                gateway: IPv4Address(gateway)!,
                interface: reference
            )
        )
    }

    mutating func fdb(_ node: String, mac: String, port: LinkReference, bridge: LinkReference, state: FDBState) {
        topology.namespaces[position(node)].fdb.append(
            FDBEntry(mac: MACAddress(mac)!, port: port, bridge: bridge, state: state)
        )
    }

    mutating func neighbour(_ node: String, _ ip: String, mac: String?, on reference: LinkReference, _ state: NUDState)
    {
        topology.namespaces[position(node)].neighbours.append(
            NeighbourEntry(
                interface: reference,
                address: IPv4Address(ip)!,
                mac: mac.flatMap(MACAddress.init),
                state: state
            )
        )
    }
}

/// The lab's wiring: `ext` holds the outside switch sw0 (ports to ext's own eth0, to host em1 and to host em2);
/// the host bridges em1, veth-ct1 and veth-ct2 on br0 (no address), and ct3's eth0 is a bridge-mode macvlan child
/// of br0. em2 holds 192.0.2.2; containers are 192.0.2.11-13, ext is 192.0.2.1.
struct Lab {
    var builder = TopologyBuilder()
    var br0: LinkReference
    var em1: LinkReference
    var vethCT1: LinkReference

    init() {
        var b = TopologyBuilder()
        for name in ["host", "ext", "ct1", "ct2", "ct3"] { b.namespace(name, kind: name == "host" ? .host : .lxc) }
        let sw0 = b.link("ext", "sw0", kind: .bridge, mac: "02:00:00:00:0e:00")
        let (extEth0, sw0p0) = b.veth(("ext", "eth0", "02:00:00:00:0e:01"), ("ext", "sw0-p0", "02:00:00:00:0e:10"))
        let (sw0p1, em1) = b.veth(("ext", "sw0-p1", "02:00:00:00:0e:11"), ("host", "em1", "02:00:00:00:00:e1"))
        let (sw0p2, em2) = b.veth(("ext", "sw0-p2", "02:00:00:00:0e:12"), ("host", "em2", "02:00:00:00:00:e2"))
        for port in [sw0p0, sw0p1, sw0p2] { b.enslave(port, to: sw0) }
        b.address(extEth0, "192.0.2.1/24")
        let br0 = b.link("host", "br0", kind: .bridge, mac: "02:00:00:00:00:b0")
        b.enslave(em1, to: br0)
        b.address(em2, "192.0.2.2/24")
        let (vethCT1, ct1) = b.veth(("host", "veth-ct1", "fe:00:00:00:01:01"), ("ct1", "eth0", "02:00:00:00:01:01"))
        let (vethCT2, ct2) = b.veth(("host", "veth-ct2", "fe:00:00:00:01:02"), ("ct2", "eth0", "02:00:00:00:01:02"))
        b.enslave(vethCT1, to: br0)
        b.enslave(vethCT2, to: br0)
        b.address(ct1, "192.0.2.11/24")
        b.address(ct2, "192.0.2.12/24")
        let ct3 = b.macvlan("ct3", "eth0", mac: "02:00:00:00:01:03", parent: br0, mode: .bridge)
        b.address(ct3, "192.0.2.13/24")
        builder = b
        self.br0 = br0
        self.em1 = em1
        self.vethCT1 = vethCT1
    }

    var topology: HostTopology { builder.topology }
}
