package import PacketCodec

/// One station that answered for an address.
package struct Responder: Sendable, Hashable {
    package var ip: IPv4Address
    package var mac: MACAddress
    /// The round trip of its first reply, when it could be told unambiguously.
    package var rttNs: UInt64?
    package var replies: Int
    package var vendor: String?

    package init(ip: IPv4Address, mac: MACAddress, rttNs: UInt64?, replies: Int = 1, vendor: String? = nil) {
        self.ip = ip
        self.mac = mac
        self.rttNs = rttNs
        self.replies = replies
        self.vendor = vendor
    }
}

/// An address answered by more than one MAC, and what that most likely means.
package struct AddressConflict: Sendable, Hashable {
    package enum Cause: String, Sendable {
        /// Different stations claim the address, as far as ARP can tell: a host answering for its only address on
        /// two interfaces (flux) looks the same from outside.
        case duplicate
        /// One station with several interfaces on the segment answers for each of its addresses from every
        /// interface (Linux's default arp_ignore=0): the same MACs answer for another address too.
        case flux
    }

    package var ip: IPv4Address
    package var macs: [MACAddress]
    package var cause: Cause

    package init(ip: IPv4Address, macs: [MACAddress], cause: Cause) {
        self.ip = ip
        self.macs = macs
        self.cause = cause
    }
}

/// Collects the replies of a scan or ping: who answered for which address, first reply first.
package struct ResponderTable: Sendable {
    private var order: [IPv4Address] = []
    private var byAddress: [IPv4Address: [Responder]] = [:]

    package init() {}

    /// Adds one reply; `rttNs` only counts for the first reply from that MAC. Returns the responder when this is
    /// the first reply from that MAC for that address, nil for a repeat.
    @discardableResult
    package mutating func record(ip: IPv4Address, mac: MACAddress, rttNs: UInt64?) -> Responder? {
        if byAddress[ip] == nil { order.append(ip) }
        var list = byAddress[ip, default: []]
        defer { byAddress[ip] = list }
        if let index = list.firstIndex(where: { $0.mac == mac }) {
            list[index].replies += 1
            if list[index].rttNs == nil { list[index].rttNs = rttNs }
            return nil
        }
        list.append(Responder(ip: ip, mac: mac, rttNs: rttNs))
        return list.last
    }

    /// Every responder, by address, then in the order their MACs first answered.
    package var responders: [Responder] {
        order.sorted().flatMap { byAddress[$0]! }
    }

    package var addressCount: Int { order.count }

    /// The MACs that answered for `ip`, in order of first reply.
    package func macs(for ip: IPv4Address) -> [MACAddress] { byAddress[ip]?.map(\.mac) ?? [] }

    /// Addresses answered by more than one MAC. When the same set of MACs also answers for another address, the
    /// cause is ARP flux (one host, several interfaces); otherwise a duplicate address.
    package var conflicts: [AddressConflict] {
        var macSets: [Set<MACAddress>: Int] = [:]
        for ip in order { macSets[Set(macs(for: ip)), default: 0] += 1 }
        return order.sorted().compactMap { ip in
            let macs = macs(for: ip)
            guard macs.count > 1 else { return nil }
            let shared = macSets[Set(macs), default: 0] > 1
            return AddressConflict(ip: ip, macs: macs, cause: shared ? .flux : .duplicate)
        }
    }

    /// Fills in vendor names from `registry`.
    package mutating func attachVendors(_ registry: OUIRegistry) {
        for ip in order {
            byAddress[ip] = byAddress[ip]!.map { responder in
                var named = responder
                named.vendor = registry.vendor(of: responder.mac)
                return named
            }
        }
    }
}
