package import PacketCodec

/// Something `arp watch` noticed.
package struct WatchEvent: Sendable, Hashable {
    package enum Kind: String, Sendable {
        /// An address seen for the first time.
        case newStation = "new-station"
        /// An address moved to a MAC it never had before.
        case changed
        /// An address moved back to a MAC it had before (two stations fighting, or a failover bouncing).
        case flipFlop = "flip-flop"
        /// Two MACs answered one request for an address.
        case duplicate
        /// A station announced its own address.
        case gratuitous
        /// A request nobody answered in time.
        case unanswered
    }

    package var kind: Kind
    package var ip: IPv4Address
    /// The MAC the event is about (the new one for changes, the asker for unanswered requests).
    package var mac: MACAddress
    /// The MAC before a change, or the other MAC of a duplicate.
    package var previousMAC: MACAddress?
    /// Where it was seen: `namespace/interface`.
    package var location: String
    package var timeNs: UInt64
}

/// The arpwatch-like state machine: feed it ARP frames with their time and place, get events. Pure.
package struct WatchState: Sendable {
    /// How long a request may stay unanswered before it is reported.
    package var unansweredAfterNs: UInt64
    /// Replies for one address from two MACs this close together are a duplicate, not a change.
    package var duplicateWindowNs: UInt64
    /// The same gratuitous announcement seen again within this time (another port of the bridge) is one event.
    package var repeatWindowNs: UInt64

    private struct Station {
        var mac: MACAddress
        var previous: Set<MACAddress>
        var lastReplyNs: UInt64?
        var lastReplyMAC: MACAddress?
    }

    private var stations: [IPv4Address: Station] = [:]
    private var pending: [IPv4Address: (asker: MACAddress, location: String, sinceNs: UInt64)] = [:]
    private var lastGratuitous: [IPv4Address: (mac: MACAddress, timeNs: UInt64)] = [:]

    package init(
        unansweredAfterNs: UInt64 = 1_000_000_000,
        duplicateWindowNs: UInt64 = 200_000_000,
        repeatWindowNs: UInt64 = 500_000_000
    ) {
        self.unansweredAfterNs = unansweredAfterNs
        self.duplicateWindowNs = duplicateWindowNs
        self.repeatWindowNs = repeatWindowNs
    }

    /// The addresses known so far and their current MAC.
    package var knownStations: [IPv4Address: MACAddress] { stations.mapValues(\.mac) }

    /// Knows `ip` at `mac` from an earlier run (the station database) without reporting it: only a change, a
    /// flip-flop or a duplicate of it is news.
    package mutating func remember(_ ip: IPv4Address, at mac: MACAddress) {
        stations[ip] = Station(mac: mac, previous: [], lastReplyNs: nil, lastReplyMAC: nil)
    }

    /// Takes one ARP packet seen at `location` at monotonic `timeNs`.
    package mutating func observe(_ packet: ARPPacket, at location: String, timeNs: UInt64) -> [WatchEvent] {
        var events = expire(nowNs: timeNs)
        let sender = packet.senderIP
        if packet.isGratuitous {
            let last = lastGratuitous[sender]
            if last == nil || last?.mac != packet.senderMAC
                || elapsed(from: last?.timeNs ?? 0, to: timeNs) > repeatWindowNs
            {
                events.append(event(.gratuitous, sender, packet.senderMAC, nil, location, timeNs))
            }
            lastGratuitous[sender] = (packet.senderMAC, timeNs)
        } else if packet.operation == .request, packet.senderIP != .any, pending[packet.targetIP] == nil {
            pending[packet.targetIP] = (packet.senderMAC, location, timeNs)
        }
        guard sender != .any else { return events }
        pending[sender] = nil
        events += learn(sender, packet.senderMAC, isReply: packet.operation == .reply, location, timeNs)
        return events
    }

    /// Reports requests older than `unansweredAfterNs`; call it when idle too.
    package mutating func expire(nowNs: UInt64) -> [WatchEvent] {
        let overdue = pending.filter { elapsed(from: $0.value.sinceNs, to: nowNs) >= unansweredAfterNs }
        for (target, _) in overdue { pending[target] = nil }
        return overdue.sorted { $0.key < $1.key }.map { target, request in
            event(.unanswered, target, request.asker, nil, request.location, nowNs)
        }
    }

    private mutating func learn(
        _ ip: IPv4Address,
        _ mac: MACAddress,
        isReply: Bool,
        _ location: String,
        _ timeNs: UInt64
    ) -> [WatchEvent] {
        guard var station = stations[ip] else {
            stations[ip] = Station(
                mac: mac,
                previous: [],
                lastReplyNs: isReply ? timeNs : nil,
                lastReplyMAC: isReply ? mac : nil
            )
            return [event(.newStation, ip, mac, nil, location, timeNs)]
        }
        defer { stations[ip] = station }
        var events: [WatchEvent] = []
        if isReply, let lastMAC = station.lastReplyMAC, lastMAC != mac, let lastNs = station.lastReplyNs,
            elapsed(from: lastNs, to: timeNs) <= duplicateWindowNs
        {
            events.append(event(.duplicate, ip, mac, lastMAC, location, timeNs))
        } else if station.mac != mac {
            let kind: WatchEvent.Kind = station.previous.contains(mac) ? .flipFlop : .changed
            events.append(event(kind, ip, mac, station.mac, location, timeNs))
        }
        if station.mac != mac {
            station.previous.insert(station.mac)
            station.mac = mac
        }
        if isReply {
            station.lastReplyNs = timeNs
            station.lastReplyMAC = mac
        }
        return events
    }

    /// Time between two stamps, zero when they arrive out of order (listener threads race for the lock).
    private func elapsed(from earlier: UInt64, to later: UInt64) -> UInt64 { later > earlier ? later - earlier : 0 }

    private func event(
        _ kind: WatchEvent.Kind,
        _ ip: IPv4Address,
        _ mac: MACAddress,
        _ previous: MACAddress?,
        _ location: String,
        _ timeNs: UInt64
    ) -> WatchEvent {
        WatchEvent(kind: kind, ip: ip, mac: mac, previousMAC: previous, location: location, timeNs: timeNs)
    }
}
