public import LinuxNet

/// Where ARP frames are sent from: a namespace, how output names it, and the interface and address the endpoint
/// fixes (the CLI fills it from the shared endpoint resolver).
public struct VantagePoint: Sendable, Hashable {
    public var label: String
    public var namespace: NetworkNamespace
    public var interface: String?
    public var sourceIP: UInt32?

    public init(label: String, namespace: NetworkNamespace, interface: String? = nil, sourceIP: UInt32? = nil) {
        self.label = label
        self.namespace = namespace
        self.interface = interface
        self.sourceIP = sourceIP
    }
}
