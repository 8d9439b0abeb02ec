internal import NetworkModel

// The burst's lines in trace's text view: under the probes, one line for the source's count and round trip,
// then per hop of the path the requests and replies seen, their loss and their delay after the source.

extension TraceTextRenderer {
    func burstLines(_ burst: BurstReport) -> [String] {
        let lost = burst.sent - burst.answered
        let rtt = burst.rtt.map { ", round trip \(BurstCorrelation.text($0))" } ?? ""
        var lines = [
            "burst     \(burst.sent) echo requests through the source's stack, one every "
                + "\(BurstCorrelation.milliseconds(Int64(burst.intervalNs))) ms: \(burst.answered) answered "
                + "(\(Self.percent(lost, burst.sent)) lost)\(rtt)"
        ]
        let path = burst.hops.filter { !$0.isSide }
        let width = max(path.map(\.label.count).max() ?? 0, 3)
        func column(_ text: String, _ size: Int) -> String {
            text.count >= size ? text : text + String(repeating: " ", count: size - text.count)
        }
        lines.append(
            "  " + column("hop", width) + "  " + column("requests", 9) + column("lost", 6)
                + column("after source (ms)", 26) + column("replies", 8) + column("lost", 6) + "after source (ms)"
        )
        for hop in path {
            let blind = !hop.role.seesForwardedUnicast
            var line = "  " + column(hop.label, width) + "  "
            line +=
                column("\(hop.requestsSeen)", 9)
                + column(blind ? "-" : Self.percent(burst.sent - hop.requestsSeen, burst.sent), 6)
            line += column(hop.requestLatency.map(Self.figures) ?? "-", 26)
            line +=
                column("\(hop.repliesSeen)", 8)
                + column(blind ? "-" : Self.percent(burst.sent - hop.repliesSeen, burst.sent), 6)
            line += hop.replyLatency.map(Self.figures) ?? "-"
            lines.append(line)
        }
        if let point = burst.lossStartsAt {
            lines.append(
                "  loss starts at \(point.firstShort) (\(point.direction.rawValue)s: \(point.before) before, "
                    + "\(point.after) there)"
            )
        }
        return lines
    }

    private static func figures(_ figures: LatencyFigures) -> String {
        [figures.minNs, figures.avgNs, figures.maxNs].map(BurstCorrelation.milliseconds).joined(separator: "/")
    }

    private static func percent(_ part: Int, _ whole: Int) -> String {
        whole == 0 ? "0%" : "\(Int((Double(part) * 100 / Double(whole)).rounded()))%"
    }
}
