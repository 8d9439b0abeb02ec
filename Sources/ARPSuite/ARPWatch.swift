import Foundation
package import LinuxNet
package import PacketCodec

/// One interface `arp watch` listens on.
package struct WatchPoint: Sendable, Hashable {
    package var label: String
    package var namespace: NetworkNamespace
    package var interface: String

    package init(label: String, namespace: NetworkNamespace, interface: String) {
        self.label = label
        self.namespace = namespace
        self.interface = interface
    }

    /// `label/interface`, as events name where they were seen.
    package var location: String { "\(label)/\(interface)" }

    /// Every interface but loopback in `namespace`, as watch points.
    package static func all(in namespace: NetworkNamespace, label: String) throws -> [WatchPoint] {
        let names = try withNetworkNamespace(namespace) { try InterfaceSnapshot.interfaceNames() }
        return names.filter { $0 != "lo" }.map { WatchPoint(label: label, namespace: namespace, interface: $0) }
    }
}

/// Listens to ARP on every watch point until `durationNs` passes or `stop()` is called, feeding one `WatchState`.
///
/// One dedicated thread per interface blocks in `recv`; events reach `onEvent` under a lock, in arrival order.
/// Nothing is created on the system but sockets, which close with the process, so Ctrl-C leaves nothing behind.
package final class ARPWatch: @unchecked Sendable {
    // Safe: `state`, `stopped`, `failures` and `running` are only touched while holding `lock`.
    private let lock = NSLock()
    private var state: WatchState
    private var stopped = false
    private var failures: [String] = []
    private var running = 0
    private var reported = 0
    private let finished = DispatchSemaphore(value: 0)
    private let onEvent: @Sendable (WatchEvent) -> Void

    package init(state: WatchState = WatchState(), onEvent: @escaping @Sendable (WatchEvent) -> Void) {
        self.state = state
        self.onEvent = onEvent
    }

    /// Stops every listener within about 100 ms.
    package func stop() { lock.withLock { stopped = true } }

    /// The stations known now: those the state started with and every one heard since, at their current MAC.
    package var knownStations: [IPv4Address: MACAddress] { lock.withLock { state.knownStations } }

    /// How many events went to `onEvent` so far.
    package var eventCount: Int { lock.withLock { reported } }

    /// Opens a socket on every point, listens for `durationNs` (nil: until `stop()` or `stopRequest`), and returns
    /// the errors of points that could not be watched, one line each. Throws when none could be opened.
    package func run(on points: [WatchPoint], durationNs: UInt64?, stopRequest: StopRequest? = nil) throws -> [String] {
        var sockets: [(WatchPoint, PacketSocket)] = []
        var openFailures: [String] = []
        for point in points {
            do {
                let socket = try withNetworkNamespace(point.namespace) {
                    try PacketSocket(interface: point.interface, protocol: PacketSocket.allProtocols)
                }
                sockets.append((point, socket))
            } catch {
                openFailures.append("\(point.location): \(error)")
            }
        }
        guard !sockets.isEmpty else {
            throw ARPError(.environment, "no interface could be watched: \(openFailures.joined(separator: "; "))")
        }
        let end = durationNs.map { Nanoseconds.sum(monotonicNanoseconds(), $0) }
        lock.withLock { running = sockets.count }
        for (point, socket) in sockets {
            DedicatedThread.start(name: "arp watch \(point.location)") { [self] in
                listen(socket, at: point, until: end, stopRequest: stopRequest)
            }
        }
        for _ in sockets { finished.wait() }
        return openFailures + lock.withLock { failures }
    }

    private func listen(_ socket: PacketSocket, at point: WatchPoint, until end: UInt64?, stopRequest: StopRequest?) {
        defer { finished.signal() }
        while true {
            let now = monotonicNanoseconds()
            if let end, now >= end { break }
            if lock.withLock({ stopped }) || stopRequest?.isStopped == true { break }
            let slice: UInt64 = min(StopRequest.pollNs, end.map { $0 - now } ?? StopRequest.pollNs)
            let received: ReceivedFrame?
            do {
                received = try socket.receive(timeoutNs: slice, capacity: 2048)
            } catch {
                lock.withLock { failures.append("\(point.location): \(error)") }
                break
            }
            let events = lock.withLock { () -> [WatchEvent] in
                let events: [WatchEvent]
                if let received, let frame = ARPFrame(bytes: received.bytes, strippedTCI: received.vlanTag) {
                    events = state.observe(frame.packet, at: point.location, timeNs: received.receivedNs)
                } else {
                    events = state.expire(nowNs: monotonicNanoseconds())
                }
                reported += events.count
                return events
            }
            for event in events { onEvent(event) }
        }
    }
}
