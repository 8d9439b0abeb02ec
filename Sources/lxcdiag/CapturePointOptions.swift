import ArgumentParser
import NetworkModel
import Trace

/// `trace --hop/--side`: capture points spelled out by hand instead of computed from the expected path.
struct CapturePointOptions: ParsableArguments {
    @Option(
        name: .customLong("hop"),
        help: ArgumentHelp(
            "Capture here instead of on the computed path, in path order (repeat).",
            valueName: "PLACE/IFACE[=ROLE]"
        )
    )
    var hops: [String] = []

    @Option(
        name: .customLong("side"),
        help: ArgumentHelp("With --hop: a bridge port off the path to watch (repeat).", valueName: "PLACE/IFACE[=ROLE]")
    )
    var sides: [String] = []

    /// The capture points `--hop` and `--side` name, hops first.
    func points() throws(TraceError) -> [CapturePoint] {
        var points: [CapturePoint] = []
        for hop in hops { points.append(try PointSpec(parsing: hop).capturePoint(defaultRole: .bridgePort)) }
        for side in sides {
            points.append(try PointSpec(parsing: side).capturePoint(defaultRole: .bridgePort, isSide: true))
        }
        return points
    }
}
