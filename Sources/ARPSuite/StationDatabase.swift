internal import Foundation
package import PacketCodec

/// `arp watch --database FILE`: the stations known between runs, as arpwatch keeps them in arp.dat.
///
/// One station per line, tab-separated as arp.dat is: MAC, IPv4 address, the Unix time it was last written, and
/// (where arpwatch puts the host name) the place it was last heard (`ext/eth0`). Lines that do not parse are kept
/// out of the result and counted, so a damaged file never stops the watch.
package struct StationDatabase: Sendable, Equatable {
    package var stations: [IPv4Address: MACAddress]
    /// Where each station was last heard, when known.
    package var locations: [IPv4Address: String]

    package init(stations: [IPv4Address: MACAddress] = [:], locations: [IPv4Address: String] = [:]) {
        self.stations = stations
        self.locations = locations
    }

    /// Parses arp.dat lines; returns the database and how many lines were skipped.
    package static func parse(_ text: String) -> (StationDatabase, skipped: Int) {
        var database = StationDatabase()
        var skipped = 0
        for line in text.split(whereSeparator: \.isNewline) where !line.allSatisfy(\.isWhitespace) {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count >= 2, let mac = MACAddress(String(fields[0])), let ip = IPv4Address(String(fields[1]))
            else {
                skipped += 1
                continue
            }
            database.stations[ip] = mac
            if fields.count >= 4, !fields[3].isEmpty { database.locations[ip] = String(fields[3]) }
        }
        return (database, skipped)
    }

    /// The file's text: one line per station, by address.
    package func text(writtenAt seconds: Int) -> String {
        stations.keys.sorted { $0.value < $1.value }.map { ip in
            "\(stations[ip]!)\t\(ip)\t\(seconds)\t\(locations[ip] ?? "")\n"
        }.joined()
    }

    /// Reads `path`; a missing file is an empty database (the first run).
    package static func load(_ path: String) throws(ARPError) -> (StationDatabase, skipped: Int) {
        guard FileManager.default.fileExists(atPath: path) else { return (StationDatabase(), 0) }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ARPError(.environment, "--database \(path): cannot read the file")
        }
        return parse(String(decoding: data, as: UTF8.self))
    }

    /// Writes the database to `path` atomically (a temporary file renamed over it), so a crash never leaves half.
    package func save(_ path: String, writtenAt seconds: Int) throws(ARPError) {
        do {
            try Data(text(writtenAt: seconds).utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw ARPError(.environment, "--database \(path): cannot write: \(error.localizedDescription)")
        }
    }
}
