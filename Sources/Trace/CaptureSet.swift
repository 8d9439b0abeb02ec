internal import Foundation
internal import LinuxNet
internal import PacketCapture

/// One libpcap capture per capture point, opened together, each inside its own namespace.
///
/// A point whose interface is down has no capture (libpcap refuses it); that is a finding, not an error.
/// Safe to share: `points` and `unavailable` are set once in `init`; `captures` is only replaced under
/// `lock` (by `close`), and `PacketCapture` is itself safe to share, its `stop` idempotent.
final class CaptureSet: @unchecked Sendable {
    let points: [CapturePoint]
    /// Why a point has no capture, by index: the interface is down.
    let unavailable: [Int: String]
    private let lock = NSLock()
    private var openCaptures: [PacketCapture?]
    private var captures: [PacketCapture?] { lock.withLock { openCaptures } }

    private init(points: [CapturePoint], captures: [PacketCapture?], unavailable: [Int: String]) {
        self.points = points
        self.openCaptures = captures
        self.unavailable = unavailable
    }

    /// Opens a capture on every point at once (one thread per point), never promiscuous, all with `filter`.
    /// If any fails, the ones already open are closed and the error names the point.
    static func open(_ points: [CapturePoint], filter: String) throws(TraceError) -> CaptureSet {
        var small = CaptureOptions(filter: filter)
        // The filter passes a handful of frames per run: a small ring is plenty and quicker to set up.
        small.bufferSize = 256 * 1024
        let options = small
        let results = mapInNetworkNamespaces(points.map(\.namespace), name: "open capture") { index in
            try PacketCapture(interface: points[index].interface, options: options)
        }
        var captures: [PacketCapture?] = []
        var unavailable: [Int: String] = [:]
        var firstError: TraceError?
        for (index, result) in results.enumerated() {
            switch result {
            case .success(let capture): captures.append(capture)
            case .failure(let error as PcapError) where error.kind == .interfaceDown:
                captures.append(nil)
                unavailable[index] = "interface down"
            case .failure(let error): firstError = firstError ?? describe(error, at: points[index])
            }
        }
        if let firstError { throw firstError }
        return CaptureSet(points: points, captures: captures, unavailable: unavailable)
    }

    private static func describe(_ error: any Error, at point: CapturePoint) -> TraceError {
        if let error = error as? PcapError {
            // Not about this point: no capture can open anywhere.
            if error.kind == .libraryMissing { return TraceError(.captureFailed, "\(error)") }
            if error.kind == .noSuchDevice {
                return TraceError(
                    .interfaceGone,
                    "capture point \(point.label): no interface \(point.interface) in \(point.namespace)"
                )
            }
            return TraceError(.captureFailed, "capture point \(point.label): \(error)")
        }
        return TraceError(.captureFailed, "capture point \(point.label): \(error)")
    }

    /// Starts every capture loop; `onFrame` gets the point's index and the frame, on that capture's thread.
    func start(onFrame: @escaping @Sendable (Int, CapturedFrame) -> Void) {
        for (index, capture) in captures.enumerated() {
            capture?.start { frame in onFrame(index, frame) }
        }
    }

    /// Waits until every capture has delivered each frame its kernel socket passed through the filter (pcap's
    /// counters), or until `deadlineNs` (monotonic), checking every 200 microseconds.
    ///
    /// A frame is counted when the kernel queues it for the capture, synchronously as it crosses the interface,
    /// so once the probes' answers reached the source the counters hold every frame of the run; only the
    /// capture threads' reading lags.
    func drain(deadlineNs: UInt64) {
        let open = captures.compactMap { $0 }
        while monotonicNanoseconds() < deadlineNs {
            let pending = open.contains { capture in
                let counters = capture.statistics
                return capture.frames.count < Int(counters.received) - Int(counters.dropped)
            }
            if !pending { return }
            usleep(200)
        }
    }

    /// Stops every capture loop; safe to call more than once and from the Ctrl-C handler.
    func stopAll() {
        for capture in captures { capture?.stop() }
    }

    /// Throws if a capture loop ended early, naming the point (an interface deleted mid-trace).
    func checkErrors() throws(TraceError) {
        for (point, capture) in zip(points, captures) {
            guard let error = capture?.error else { continue }
            if error.kind == .noSuchDevice {
                throw TraceError(
                    .interfaceGone,
                    "capture point \(point.label): \(point.interface) vanished during the trace (\(error.message))"
                )
            }
            throw TraceError(.captureFailed, "capture point \(point.label) failed during the trace: \(error.message)")
        }
    }

    /// Closes every capture, all at once: closing a packet socket waits for an RCU grace period (some 25 ms),
    /// so closing ten one after another would cost a quarter of a second.
    func close() {
        // The boxes hold the only references, so each capture's deinit runs on its closing thread.
        let boxes = lock.withLock { () -> [ClosingCapture] in
            defer { openCaptures = openCaptures.map { _ in nil } }
            return openCaptures.compactMap { $0.map(ClosingCapture.init) }
        }
        _ = DedicatedThread.map(boxes.count, name: "close capture") { boxes[$0].release() }
    }

    /// Each point's captured frames.
    var hopCaptures: [HopCapture] {
        zip(points, captures).map { HopCapture(point: $0, frames: $1?.frames ?? []) }
    }
}

/// Holds the last reference to a capture so that its `deinit` (and `pcap_close`) runs on the closing thread.
/// Safe: `release` is called once, by that thread only.
private final class ClosingCapture: @unchecked Sendable {
    private var capture: PacketCapture?

    init(_ capture: PacketCapture) { self.capture = capture }

    func release() {
        capture?.stop()
        capture = nil
    }
}
