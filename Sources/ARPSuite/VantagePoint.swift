import Foundation
public import LinuxNet
import NetworkModel
import PacketCodec

/// Where ARP frames are sent from: a namespace, how output names it, and the interface the endpoint file gives.
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

    /// Resolves `--from` (and `-n`): `host`, `netns:NAME`, or a name in the endpoint file that carries a netns or
    /// pid. This is the one place ARP commands turn names into namespaces, so the shared resolver can replace it.
    public static func resolve(from: String?, netns: String?, endpointFile: String) throws -> VantagePoint {
        if let netns {
            guard from == nil else { throw ARPError(.usage, "give either --from or -n/--netns, not both") }
            return VantagePoint(label: "netns:\(netns)", namespace: .named(netns))
        }
        guard let from, from != "host" else { return VantagePoint(label: "host", namespace: .current) }
        if from.hasPrefix("netns:") {
            let name = String(from.dropFirst("netns:".count))
            guard !name.isEmpty, !name.contains("/") else { throw ARPError(.usage, "bad namespace name in \(from)") }
            return VantagePoint(label: from, namespace: .named(name))
        }
        let registry = try EndpointRegistry.load(from: endpointFile)
        guard let entry = registry.endpoint(named: from) else {
            throw ARPError(
                .usage,
                "unknown endpoint \(from): not host, netns:NAME or a name in \(endpointFile)"
            )
        }
        guard let namespace = entry.namespace else {
            throw ARPError(
                .usage,
                "endpoint \(from) in \(endpointFile) names no netns or pid (containers need the shared resolver)"
            )
        }
        return VantagePoint(label: from, namespace: namespace, interface: entry.interface, sourceIP: entry.ip?.value)
    }
}
