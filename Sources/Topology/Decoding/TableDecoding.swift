package import Netlink
internal import PacketCodec

/// Names for the kernel's RT_SCOPE_*, RTN_* and RTPROT_* numbers, as `ip` prints them.
enum RouteNames {
    static func scope(_ value: UInt8) -> String {
        switch value {
        case 0: "global"
        case 200: "site"
        case 253: "link"
        case 254: "host"
        case 255: "nowhere"
        default: "\(value)"
        }
    }

    static func type(_ value: UInt8) -> String {
        switch value {
        case 1: "unicast"
        case 2: "local"
        case 3: "broadcast"
        case 4: "anycast"
        case 5: "multicast"
        case 6: "blackhole"
        case 7: "unreachable"
        case 8: "prohibit"
        case 9: "throw"
        default: "\(value)"
        }
    }

    static func origin(_ value: UInt8) -> String {
        switch value {
        case 1: "redirect"
        case 2: "kernel"
        case 3: "boot"
        case 4: "static"
        case 16: "dhcp"
        default: "\(value)"
        }
    }

    /// The NTF_* bits of a neighbour message, by the names `bridge fdb` uses.
    static func neighbourFlags(_ value: UInt8) -> [String] {
        let names: [(UInt8, String)] = [
            (0x02, "self"), (0x04, "master"), (0x08, "proxy"), (0x10, "extern_learn"), (0x20, "offloaded"),
            (0x40, "sticky"), (0x80, "router"),
        ]
        return names.filter { value & $0.0 != 0 }.map(\.1)
    }
}

extension NamespaceSnapshot {
    /// The model of one namespace from its five dumps (live or recorded). Pure: no I/O.
    package init(node: NetworkNode, dump: NamespaceDump) throws(NetlinkError) {
        self.init(node: node)
        let linkMessages = try dump.links.links().sorted { $0.index < $1.index }
        links = linkMessages.map(Link.init)
        let names = Dictionary(links.map { ($0.index, $0.name) }, uniquingKeysWith: { first, _ in first })
        func reference(_ index: Int32) -> LinkReference {
            LinkReference(node: node.name, index: index, name: names[index] ?? "if\(index)")
        }
        for (position, message) in linkMessages.enumerated() {
            if let master = message.master, master > 0 { links[position].master = reference(master) }
        }
        // Only bridges with VLAN filtering report VLANs; a port of one with none listed carries none.
        for message in dump.bridgeVLANs?.messages ?? [] {
            let (index, vlans) = try BridgeVLANInfo.decode(payload: message.payload)
            guard let position = links.firstIndex(where: { $0.index == index }), links[position].bridgePort != nil
            else { continue }
            links[position].bridgePort?.vlans = vlans.map {
                PortVLAN(vid: $0.vid, pvid: $0.isPVID, untagged: $0.isUntagged)
            }
        }
        addresses = try dump.addresses.addresses().compactMap { message in
            guard message.family == 2, let address = message.address.flatMap(IPv4Address.init(fourBytes:)) else {
                return nil
            }
            return AddressAssignment(
                interface: reference(message.index),
                address: address,
                prefixLength: Int(message.prefixLength),
                broadcast: message.broadcast.flatMap(IPv4Address.init(fourBytes:)),
                label: message.label,
                scope: RouteNames.scope(message.scope)
            )
        }
        routes = try dump.routes.routes().compactMap { message in
            guard message.family == 2, message.table == RouteMessage.mainTable else { return nil }
            return Route(
                destination: message.destination.flatMap(IPv4Address.init(fourBytes:)) ?? IPv4Address(0),
                prefixLength: Int(message.destinationLength),
                gateway: message.gateway.flatMap(IPv4Address.init(fourBytes:)),
                interface: message.outputInterface.map(reference),
                preferredSource: message.preferredSource.flatMap(IPv4Address.init(fourBytes:)),
                metric: message.priority,
                type: RouteNames.type(message.type),
                origin: RouteNames.origin(message.origin),
                scope: RouteNames.scope(message.scope)
            )
        }
        neighbours = try dump.neighbours.neighbours().compactMap { message in
            guard message.family == 2, let address = message.destination.flatMap(IPv4Address.init(fourBytes:)) else {
                return nil
            }
            return NeighbourEntry(
                interface: reference(message.index),
                address: address,
                mac: message.linkAddress.flatMap { $0.count == 6 ? MACAddress($0) : nil },
                state: NUDState(kernelValue: message.state),
                isRouter: message.flags & 0x80 != 0,
                isProxy: message.flags & 0x08 != 0
            )
        }
        let vxlanIndexes = Set(links.filter { $0.kind == .vxlan }.map(\.index))
        fdb = try dump.fdb.neighbours().compactMap { message in
            guard message.isBridgeEntry, let mac = message.linkAddress, mac.count == 6 else { return nil }
            // Entries without a bridge are a device's own address list (`self`); only vxlan's say where to send.
            guard message.master != nil || vxlanIndexes.contains(message.index) else { return nil }
            return FDBEntry(
                mac: MACAddress(mac),
                port: reference(message.index),
                bridge: message.master.map(reference),
                vlan: message.vlan,
                state: FDBState(neighbourState: message.state),
                flags: RouteNames.neighbourFlags(message.flags),
                destination: message.destination.flatMap(IPv4Address.init(fourBytes:))
            )
        }
    }
}
