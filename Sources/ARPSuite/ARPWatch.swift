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

    /// Every interface but loopback in each of `namespaces` (with its label), 8 namespaces at a time; a
    /// namespace that cannot be read adds none.
    package static func all(in namespaces: [(NetworkNamespace, String)]) -> [WatchPoint] {
        let listed = DedicatedThread.map(namespaces.count, name: "arp watch list", maxThreads: 8) { index in
            try all(in: namespaces[index].0, label: namespaces[index].1)
        }
        return listed.flatMap { (try? $0.get()) ?? [] }
    }
}

/// Listens to ARP on every watch point until `durationNs` passes or `stop()` is called, feeding one `WatchState`.
///
/// One socket and one dedicated thread per namespace, not per interface (a host with a thousand containers
/// has a thousand ports on its bridge): the socket sees every interface of its namespace, a kernel filter keeps
/// only ARP, and each frame is given to the watch point of the interface it passed, by interface index. Events
/// reach `onEvent` under a lock, in arrival order. Nothing is created on the system but sockets, which close
/// with the process, so Ctrl-C leaves nothing behind.
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

    /// ARP, untagged or under one 802.1Q tag in the frame (an offloaded tag is not in the bytes the filter
    /// reads, so such a frame matches as untagged): `ether proto arp or (vlan and ether proto arp)`.
    static let arpFilter: [BPFInstruction] = [
        BPFInstruction(code: 0x28, jumpIfTrue: 0, jumpIfFalse: 0, operand: 12),  // ldh [12]
        BPFInstruction(code: 0x15, jumpIfTrue: 3, jumpIfFalse: 0, operand: 0x0806),  // jeq ARP -> accept
        BPFInstruction(code: 0x15, jumpIfTrue: 0, jumpIfFalse: 3, operand: 0x8100),  // jeq 802.1Q, else drop
        BPFInstruction(code: 0x28, jumpIfTrue: 0, jumpIfFalse: 0, operand: 16),  // ldh [16]
        BPFInstruction(code: 0x15, jumpIfTrue: 0, jumpIfFalse: 1, operand: 0x0806),  // jeq ARP, else drop
        BPFInstruction(code: 0x06, jumpIfTrue: 0, jumpIfFalse: 0, operand: 2048),  // accept 2048 bytes
        BPFInstruction(code: 0x06, jumpIfTrue: 0, jumpIfFalse: 0, operand: 0),  // drop
    ]

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

    /// The socket of one namespace and its watch points by interface index.
    /// Safe: built by the opening thread, then only read by the namespace's listener thread.
    private struct NamespaceListener: @unchecked Sendable {
        var socket: CaptureSocket
        var points: [Int32: WatchPoint]
    }

    /// Opens a socket in every namespace of `points`, listens for `durationNs` (nil: until `stop()` or
    /// `stopRequest`), and returns the errors of points that could not be watched, one line each. Throws when
    /// none could be opened.
    package func run(on points: [WatchPoint], durationNs: UInt64?, stopRequest: StopRequest? = nil) throws -> [String] {
        var namespaces: [NetworkNamespace] = []
        var grouped: [NetworkNamespace: [WatchPoint]] = [:]
        for point in points {
            if grouped[point.namespace] == nil { namespaces.append(point.namespace) }
            grouped[point.namespace, default: []].append(point)
        }
        let byNamespace = grouped
        let order = namespaces
        var opened = DedicatedThread.map(order.count, name: "arp watch open", maxThreads: 8) { index in
            try withNetworkNamespace(order[index]) { () throws -> (NamespaceListener?, [String]) in
                var indices: [Int32: WatchPoint] = [:]
                var problems: [String] = []
                for point in byNamespace[order[index]] ?? [] {
                    do { indices[try CaptureSocket.interfaceState(point.interface).index] = point } catch {
                        problems.append("\(point.location): \(error)")
                    }
                }
                guard !indices.isEmpty else { return (nil, problems) }
                // Room for a burst of a few frames per interface (a broadcast reaches every port at once); the
                // ring's pages are mapped at once and count as memory, so a one-interface namespace gets 32 KiB.
                let ring = min(max(indices.count * 4 * 2304, 32 * 1024), 16 << 20)
                let socket = try CaptureSocket(filter: Self.arpFilter, frameBytes: 2048, ringBytes: ring)
                return (NamespaceListener(socket: socket, points: indices), problems)
            }
        }
        var listeners: [NamespaceListener] = []
        var openFailures: [String] = []
        for (index, result) in opened.enumerated() {
            switch result {
            case .success(let (listener, problems)):
                openFailures += problems
                if let listener { listeners.append(listener) }
            case .failure(let error):
                openFailures += (byNamespace[namespaces[index]] ?? []).map { "\($0.location): \(error)" }
            }
        }
        opened.removeAll()
        guard !listeners.isEmpty else {
            throw ARPError(.environment, "no interface could be watched: \(openFailures.joined(separator: "; "))")
        }
        let end = durationNs.map { Nanoseconds.sum(monotonicNanoseconds(), $0) }
        lock.withLock { running = listeners.count }
        let count = listeners.count
        for listener in listeners {
            DedicatedThread.start(name: "arp watch") { [self] in
                listen(listener, until: end, stopRequest: stopRequest)
            }
        }
        // Each thread now holds the only reference to its socket, so the sockets close on their own threads at
        // once: closing a packet socket waits for an RCU grace period, a thousand in a row would take seconds.
        listeners.removeAll()
        for _ in 0..<count { finished.wait() }
        return openFailures + lock.withLock { failures }
    }

    private func listen(_ listener: NamespaceListener, until end: UInt64?, stopRequest: StopRequest?) {
        defer { finished.signal() }
        guard let wake = try? WakePipe() else {
            lock.withLock { failures.append("arp watch: cannot make a wake pipe") }
            return
        }
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let now = monotonicNanoseconds()
            if let end, now >= end { break }
            if lock.withLock({ stopped }) || stopRequest?.isStopped == true { break }
            let slice: UInt64 = min(StopRequest.pollNs, end.map { $0 - now } ?? StopRequest.pollNs)
            do {
                _ = try listener.socket.wait(
                    wake: wake,
                    timeoutMilliseconds: Int32(clamping: (slice + 999_999) / 1_000_000)
                )
            } catch {
                lock.withLock { failures.append("arp watch: \(error)") }
                break
            }
            var frames: [(WatchPoint, ARPFrame)] = []
            while let received = listener.socket.receive(into: &buffer) {
                guard let point = listener.points[received.interfaceIndex],
                    let frame = ARPFrame(bytes: received.bytes, strippedTCI: received.vlanTag)
                else { continue }
                frames.append((point, frame))
            }
            let readNs = monotonicNanoseconds()
            let events = lock.withLock { () -> [WatchEvent] in
                var events: [WatchEvent] = []
                for (point, frame) in frames {
                    events += state.observe(frame.packet, at: point.location, timeNs: readNs)
                }
                if frames.isEmpty { events = state.expire(nowNs: readNs) }
                reported += events.count
                return events
            }
            for event in events { onEvent(event) }
        }
    }
}
