/// The side ports of one bridge that saw nothing of the probes but the broadcast ARP request, which a bridge
/// floods to every port by design: counted, not listed, once a bridge has more than a few of them.
///
/// A host with a thousand containers on one bridge would otherwise print a thousand identical rows; the ports
/// that did see something (a flooded echo request, a misdelivered reply, a capture error) are always listed.
package struct QuietSidePorts: Sendable, Hashable {
    /// The bridge as `node:interface`, or nil for side points given without one (`--side`).
    package var bridge: String?
    package var count: Int

    /// A bridge with at most this many quiet side ports has them listed, one row each.
    package static let listedUpTo = 3
}

extension TraceReport {
    /// Which hops to show (indices into every probe's `hops`, in order) and the quiet side ports counted instead.
    package var sidePortSummary: (shown: [Int], quiet: [QuietSidePorts]) {
        guard let first = probes.first else { return ([], []) }
        var quietByBridge: [String?: [Int]] = [:]
        var bridges: [String?] = []
        for index in first.hops.indices where isQuietSidePort(index) {
            let bridge = first.hops[index].bridge
            if quietByBridge[bridge] == nil { bridges.append(bridge) }
            quietByBridge[bridge, default: []].append(index)
        }
        var hidden = Set<Int>()
        var quiet: [QuietSidePorts] = []
        for bridge in bridges {
            let ports = quietByBridge[bridge] ?? []
            guard ports.count > QuietSidePorts.listedUpTo else { continue }
            hidden.formUnion(ports)
            quiet.append(QuietSidePorts(bridge: bridge, count: ports.count))
        }
        return (first.hops.indices.filter { !hidden.contains($0) }, quiet)
    }

    /// Whether hop `index` is a side port that was captured and saw no probe frame except the ARP request.
    private func isQuietSidePort(_ index: Int) -> Bool {
        probes.allSatisfy { probe in
            let hop = probe.hops[index]
            return hop.isSide && hop.captureError == nil && !hop.reply.seen
                && (!hop.request.seen || probe.kind == .arp)
        }
    }
}

extension QuietSidePorts {
    /// The one line the text view prints for these ports.
    package var line: String {
        let place = bridge.map { "of \($0)" } ?? "given with --side"
        return "(side) \(count) other ports \(place): none saw the probes (only the ARP broadcast every port gets)"
    }
}
