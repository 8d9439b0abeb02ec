internal import Foundation
internal import LinuxNet
import NetworkModel
internal import PacketCapture

/// The captures of a trace: one per namespace on the path, each seeing every interface there, with each frame
/// given to the capture points of the interface it passed (by interface index).
///
/// The cost grows with the namespaces the path crosses, not with the ports of their bridges: a bridge with a
/// thousand side ports costs one socket, not a thousand libpcap handles. A point whose interface is down has no
/// capture (nothing passes it); that is a finding, not an error.
/// Safe to share: `points`, `unavailable` and `groups` are set once in `init`; `captures` is only replaced under
/// `lock` (by `close`), and `NamespaceCapture` is itself safe to share, its `stop` idempotent.
final class CaptureSet: @unchecked Sendable {
    let points: [CapturePoint]
    /// Why a point has no capture, by index: the interface is down.
    let unavailable: [Int: String]
    private let groups: [NamespaceGroup]
    private let lock = NSLock()
    private var openCaptures: [NamespaceCapture?]
    private var captures: [NamespaceCapture?] { lock.withLock { openCaptures } }

    /// The capture points of one namespace and the interface index each point's interface has there.
    private struct NamespaceGroup: Sendable {
        var namespace: NetworkNamespace
        var points: [Int]
        /// Point indices by interface index; down interfaces are left out.
        var pointsByInterface: [Int32: [Int]] = [:]
        var interfaceIndex: [Int: Int32] = [:]
    }

    private init(
        points: [CapturePoint],
        groups: [NamespaceGroup],
        captures: [NamespaceCapture?],
        unavailable: [Int: String]
    ) {
        self.points = points
        self.groups = groups
        self.openCaptures = captures
        self.unavailable = unavailable
    }

    /// Opens one capture per namespace of `points` at once (one thread per namespace), never promiscuous, all
    /// with `filter`, each keeping `snapLength` bytes of a frame. A point whose interface does not exist fails the
    /// whole set, naming the point.
    static func open(_ points: [CapturePoint], filter: String, snapLength: Int32) throws(TraceError) -> CaptureSet {
        var groups: [NamespaceGroup] = []
        for (index, point) in points.enumerated() {
            if let existing = groups.firstIndex(where: { $0.namespace == point.namespace }) {
                groups[existing].points.append(index)
            } else {
                groups.append(NamespaceGroup(namespace: point.namespace, points: [index]))
            }
        }
        let options = CaptureOptions(filter: filter, snapLength: snapLength)
        let compiled: Result<[BPFInstruction], PcapError> = Result { () throws(PcapError) in
            try NamespaceCapture.compile(filter)
        }
        if case .failure(let error) = compiled { throw describe(error, at: points.first) }
        let frozenGroups = groups
        let results = mapInNetworkNamespaces(groups.map(\.namespace), name: "open capture") {
            group -> OpenedGroup in
            var opened = OpenedGroup()
            for index in frozenGroups[group].points {
                do {
                    let state = try CaptureSocket.interfaceState(points[index].interface)
                    if state.isUp { opened.indices[index] = state.index } else { opened.down.append(index) }
                } catch {
                    opened.missing.append(index)
                }
            }
            if opened.missing.isEmpty {
                // A broadcast crosses every port of a bridge at once: a ring slot for a few copies per point.
                var sized = options
                let slot = Int(snapLength) + 256
                sized.bufferSize = Int32(min(max(frozenGroups[group].points.count * 4 * slot, 256 * 1024), 16 << 20))
                opened.capture = try NamespaceCapture(options: sized)
            }
            return opened
        }
        var captures: [NamespaceCapture?] = []
        var unavailable: [Int: String] = [:]
        var firstError: (point: Int, error: TraceError)?
        func note(_ error: TraceError, at point: Int) {
            if firstError.map({ point < $0.point }) ?? true { firstError = (point, error) }
        }
        for (group, result) in results.enumerated() {
            switch result {
            case .success(let opened):
                captures.append(opened.capture)
                for index in opened.down { unavailable[index] = "interface down" }
                for index in opened.missing {
                    let point = points[index]
                    note(
                        TraceError(
                            .interfaceGone,
                            "capture point \(point.label): no interface \(point.interface) in \(point.namespace)"
                        ),
                        at: index
                    )
                }
                for (index, interface) in opened.indices {
                    groups[group].interfaceIndex[index] = interface
                    groups[group].pointsByInterface[interface, default: []].append(index)
                }
            case .failure(let error):
                captures.append(nil)
                let first = groups[group].points[0]
                note(describe(error, at: points[first]), at: first)
            }
        }
        if let firstError {
            let boxes = captures.compactMap { $0.map(ClosingCapture.init) }
            captures = []
            close(boxes)
            throw firstError.error
        }
        return CaptureSet(points: points, groups: groups, captures: captures, unavailable: unavailable)
    }

    /// What one namespace's thread found and opened.
    /// Safe: built by that thread and handed over once, through the result list.
    private struct OpenedGroup: @unchecked Sendable {
        var capture: NamespaceCapture?
        var indices: [Int: Int32] = [:]
        var down: [Int] = []
        var missing: [Int] = []
    }

    private static func describe(_ error: any Error, at point: CapturePoint?) -> TraceError {
        if let error = error as? PcapError {
            // Not about this point: no capture can open anywhere.
            if error.kind == .libraryMissing || error.kind == .badFilter {
                return TraceError(.captureFailed, "\(error)")
            }
        }
        guard let point else { return TraceError(.captureFailed, "\(error)") }
        return TraceError(.captureFailed, "capture in \(point.namespace) (for \(point.label)): \(error)")
    }

    /// Starts every capture loop; `onFrame` gets the point's index and the frame, on that capture's thread.
    func start(onFrame: @escaping @Sendable (Int, CapturedFrame) -> Void) {
        for (group, capture) in zip(groups, captures) {
            let pointsByInterface = group.pointsByInterface
            capture?.start { captured in
                for point in pointsByInterface[captured.interfaceIndex] ?? [] { onFrame(point, captured.frame) }
            }
        }
    }

    /// Waits until every capture has delivered each frame its kernel socket passed through the filter (the socket's
    /// counters), or until `deadlineNs` (monotonic), checking every 200 microseconds.
    ///
    /// A frame is counted when the kernel queues it for the capture, synchronously as it crosses the interface,
    /// so once the probes' answers reached the source the counters hold every frame of the run; only the
    /// capture threads' reading lags.
    func drain(deadlineNs: UInt64) {
        let open = captures.compactMap { $0 }
        while monotonicNanoseconds() < deadlineNs {
            let pending = open.contains { $0.hasUnreadFrames }
            if !pending { return }
            usleep(200)
        }
    }

    /// Stops every capture loop; safe to call more than once and from the Ctrl-C handler.
    func stopAll() {
        for capture in captures { capture?.stop() }
    }

    /// Throws if a capture loop ended early, or a point's interface vanished (or was replaced) while the trace
    /// ran, naming the point.
    func checkErrors() throws(TraceError) {
        for (group, capture) in zip(groups, captures) {
            guard let error = capture?.error, let first = group.points.first else { continue }
            throw TraceError(
                .captureFailed,
                "the capture in \(group.namespace) (for \(points[first].label)) failed during the trace: \(error)"
            )
        }
        let points = self.points
        let groups = self.groups
        let results = mapInNetworkNamespaces(groups.map(\.namespace), name: "check capture") { group -> [Int] in
            groups[group].interfaceIndex.keys.sorted().filter { index in
                (try? CaptureSocket.interfaceState(points[index].interface).index)
                    != groups[group].interfaceIndex[index]
            }
        }
        var vanished: [Int] = []
        for result in results {
            if case .success(let indices) = result { vanished += indices }
        }
        if let index = vanished.min() {
            let point = points[index]
            throw TraceError(
                .interfaceGone,
                "capture point \(point.label): \(point.interface) vanished during the trace"
            )
        }
    }

    /// Closes every capture, all at once: closing a packet socket waits for an RCU grace period (some 25 ms),
    /// so closing them one after another would add up.
    func close() {
        // The boxes hold the only references (no array of captures outlives this), so each capture's deinit
        // (and its socket's close) runs on its closing thread.
        let boxes = lock.withLock { () -> [ClosingCapture] in
            defer { openCaptures = openCaptures.map { _ in nil } }
            return openCaptures.compactMap { $0.map(ClosingCapture.init) }
        }
        Self.close(boxes)
    }

    private static func close(_ boxes: [ClosingCapture]) {
        _ = DedicatedThread.map(boxes.count, name: "close capture") { boxes[$0].release() }
    }

    /// Each point's captured frames.
    var hopCaptures: [HopCapture] {
        var frames = [[CapturedFrame]](repeating: [], count: points.count)
        for (group, capture) in zip(groups, captures) {
            for captured in capture?.frames ?? [] {
                for point in group.pointsByInterface[captured.interfaceIndex] ?? [] {
                    frames[point].append(captured.frame)
                }
            }
        }
        return zip(points, frames).map { HopCapture(point: $0, frames: $1) }
    }
}

/// Holds the last reference to a capture so that its `deinit` (closing its socket) runs on the closing thread.
/// Safe: `release` is called once, by that thread only.
private final class ClosingCapture: @unchecked Sendable {
    private var capture: NamespaceCapture?

    init(_ capture: NamespaceCapture) { self.capture = capture }

    func release() {
        capture?.stop()
        capture = nil
    }
}
