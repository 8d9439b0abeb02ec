package import PacketCodec

extension HostTopology {
    /// Every assignment of `address`, in any namespace; more than one means a duplicate IP.
    package func assignments(of address: IPv4Address) -> [AddressAssignment] {
        namespaces.flatMap { $0.addresses.filter { $0.address == address } }
    }

    /// Every interface whose own MAC is `mac`; more than one (beyond a bridge sharing a port's MAC, or a
    /// passthru macvlan its parent's) means a duplicate MAC.
    package func interfaces(withMAC mac: MACAddress) -> [LinkReference] {
        namespaces.flatMap { snapshot in snapshot.links.filter { $0.mac == mac }.map { snapshot.reference($0) } }
    }

    /// The bridges' forwarding entries for `mac`, in any namespace: which port each bridge sends it to.
    package func forwardingEntries(for mac: MACAddress) -> [FDBEntry] {
        namespaces.flatMap { $0.fdb.filter { $0.mac == mac && $0.bridge != nil } }
    }

    /// The bridge `link` is a port of, if any.
    package func bridge(of link: Link) -> Link? { link.master.flatMap { self.link($0) } }

    /// The macvlan and vlan interfaces whose parent is `reference`, in any namespace.
    package func children(of reference: LinkReference) -> [LinkReference] {
        namespaces.flatMap { snapshot in
            snapshot.links.filter { $0.parent == reference }.map { snapshot.reference($0) }
        }
    }
}

extension NamespaceSnapshot {
    /// A reference to one of this namespace's interfaces.
    package func reference(_ link: Link) -> LinkReference {
        LinkReference(node: node.name, index: link.index, name: link.name)
    }
}
