package import Netlink
package import PacketCodec

/// The IPv4 prefixes the namespace `lab up` runs in already uses: every route (all tables) but the default
/// route, and every address with its prefix. A lab subnet overlapping one of them would make the machine's own
/// traffic and the lab's indistinguishable (the lab would answer for the gateway, or probes would leave).
package enum TakenNetworks {
    /// Reads the calling thread's namespace through rtnetlink.
    package static func inCurrentNamespace() throws(LabError) -> [IPv4Network] {
        do {
            let socket = try NetlinkSocket()
            let routes = try socket.dump(.routes).routes()
            let addresses = try socket.dump(.addresses).addresses()
            return networks(routes: routes, addresses: addresses)
        } catch {
            throw LabError.stepFailed(step: "reading this namespace's routes and addresses", reason: "\(error)")
        }
    }

    /// The prefixes in recorded route and address messages (pure, for tests on recorded dumps).
    package static func networks(routes: [RouteMessage], addresses: [AddressMessage]) -> [IPv4Network] {
        var taken: [IPv4Network] = []
        for route in routes where route.family == 2 && route.destinationLength > 0 {
            guard let bytes = route.destination, bytes.count == 4 else { continue }
            taken.append(IPv4Network(address: IPv4Address(bytes: bytes), prefixLength: Int(route.destinationLength)))
        }
        for address in addresses where address.family == 2 {
            guard let bytes = address.address, bytes.count == 4 else { continue }
            taken.append(IPv4Network(address: IPv4Address(bytes: bytes), prefixLength: Int(address.prefixLength)))
        }
        return taken
    }

    /// The first of `taken` that `addressing`'s subnet overlaps, as text for an error line.
    package static func conflict(of addressing: LabAddressing, with taken: [IPv4Network]) -> String? {
        taken.first(where: addressing.overlaps).map { "\($0.networkAddress)/\($0.prefixLength)" }
    }
}
