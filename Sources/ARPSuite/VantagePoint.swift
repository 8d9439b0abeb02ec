package import LinuxNet

/// Where ARP frames are sent from: a namespace, how output names it, and the interface and address the endpoint
/// fixes (the CLI fills it from the shared endpoint resolver).
package struct VantagePoint: Sendable, Hashable {
    package var label: String
    package var namespace: NetworkNamespace
    package var interface: String?
    package var sourceIP: UInt32?

    package init(label: String, namespace: NetworkNamespace, interface: String? = nil, sourceIP: UInt32? = nil) {
        self.label = label
        self.namespace = namespace
        self.interface = interface
        self.sourceIP = sourceIP
    }
}
