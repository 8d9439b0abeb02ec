package import Foundation
package import Netlink

/// The five rtnetlink dumps a snapshot is decoded from, as received: live, or recorded in a fixture directory.
package struct NamespaceDump: Sendable {
    package var links: DumpReply
    package var addresses: DumpReply
    package var routes: DumpReply
    package var neighbours: DumpReply
    package var fdb: DumpReply
    /// The bridge ports' VLANs; nil in recordings made before they were dumped.
    package var bridgeVLANs: DumpReply?

    /// Dumps every table through `socket`, in the socket's namespace.
    package init(socket: NetlinkSocket) throws(NetlinkError) {
        links = try socket.dump(.links)
        addresses = try socket.dump(.addresses)
        routes = try socket.dump(.routes)
        neighbours = try socket.dump(.neighbours)
        fdb = try socket.dump(.fdb)
        // Best effort: a kernel without bridge VLAN support still gives the other tables.
        bridgeVLANs = try? socket.dump(.bridgeVLANs)
    }

    /// Reads a recording: one file per dump (`links.bin`, `addresses.bin`, ...) in `directory`.
    package init(recordedIn directory: URL) throws {
        func read(_ request: DumpRequest) throws -> DumpReply {
            let data = try Data(contentsOf: directory.appendingPathComponent("\(request.rawValue).bin"))
            return try DumpReply(recorded: [UInt8](data))
        }
        links = try read(.links)
        addresses = try read(.addresses)
        routes = try read(.routes)
        neighbours = try read(.neighbours)
        fdb = try read(.fdb)
        bridgeVLANs = try? read(.bridgeVLANs)
    }

    /// Writes the reply bytes as `recordedIn:` reads them.
    package func record(in directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let replies: [(DumpRequest, DumpReply)] = [
            (.links, links), (.addresses, addresses), (.routes, routes), (.neighbours, neighbours), (.fdb, fdb),
        ]
        for (request, reply) in replies + (bridgeVLANs.map { [(.bridgeVLANs, $0)] } ?? []) {
            try Data(reply.bytes).write(to: directory.appendingPathComponent("\(request.rawValue).bin"))
        }
    }
}
