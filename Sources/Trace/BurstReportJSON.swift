internal import NetworkModel

// The `burst` object of `lxcdiag.trace/1` (docs/trace-schema.md, "Burst"): null without `--count`. Absent values
// are null, never missing; rates are fractions from 0 to 1.

extension BurstReport: Encodable {
    private enum CodingKeys: String, CodingKey {
        case sent, answered
        case lossRate = "loss_rate"
        case intervalNs = "interval_ns"
        case rtt, hops
        case lossStartsAt = "loss_starts_at"
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(sent, forKey: .sent)
        try container.encode(answered, forKey: .answered)
        try container.encode(lossRate, forKey: .lossRate)
        try container.encode(intervalNs, forKey: .intervalNs)
        try container.encode(rtt, forKey: .rtt)
        try container.encode(hops.map { BurstHopJSON(hop: $0, sent: sent) }, forKey: .hops)
        try container.encode(lossStartsAt, forKey: .lossStartsAt)
    }
}

extension LatencyFigures: Encodable {
    private enum CodingKeys: String, CodingKey {
        case minNs = "min_ns"
        case avgNs = "avg_ns"
        case maxNs = "max_ns"
        case samples
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(minNs, forKey: .minNs)
        try container.encode(avgNs, forKey: .avgNs)
        try container.encode(maxNs, forKey: .maxNs)
        try container.encode(samples, forKey: .samples)
    }
}

/// A hop with its loss rates, which need the burst's count.
private struct BurstHopJSON: Encodable {
    var hop: BurstHop
    var sent: Int

    private enum CodingKeys: String, CodingKey {
        case node, interface, role, side
        case requestsSeen = "requests_seen"
        case repliesSeen = "replies_seen"
        case requestLoss = "request_loss"
        case replyLoss = "reply_loss"
        case requestLatency = "request_latency"
        case replyLatency = "reply_latency"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(hop.node, forKey: .node)
        try container.encode(hop.interface, forKey: .interface)
        try container.encode(hop.role.rawValue, forKey: .role)
        try container.encode(hop.isSide, forKey: .side)
        try container.encode(hop.requestsSeen, forKey: .requestsSeen)
        try container.encode(hop.repliesSeen, forKey: .repliesSeen)
        try container.encode(sent == 0 ? 0 : 1 - Double(hop.requestsSeen) / Double(sent), forKey: .requestLoss)
        try container.encode(sent == 0 ? 0 : 1 - Double(hop.repliesSeen) / Double(sent), forKey: .replyLoss)
        try container.encode(hop.requestLatency, forKey: .requestLatency)
        try container.encode(hop.replyLatency, forKey: .replyLatency)
    }
}

extension BurstLossPoint: Encodable {
    private enum CodingKeys: String, CodingKey {
        case direction
        case lastComplete = "last_complete"
        case firstShort = "first_short"
        case before, after
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(direction, forKey: .direction)
        try container.encode(lastComplete, forKey: .lastComplete)
        try container.encode(firstShort, forKey: .firstShort)
        try container.encode(before, forKey: .before)
        try container.encode(after, forKey: .after)
    }
}
