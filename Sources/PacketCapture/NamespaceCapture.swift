internal import CPcap
internal import CPcapRuntime
import Foundation
package import LinuxNet

/// A frame a `NamespaceCapture` captured: the interface it passed, its direction there, and the frame.
package struct InterfaceCapturedFrame: Sendable {
    package var interfaceIndex: Int32
    package var direction: PacketDirection
    package var frame: CapturedFrame
}

/// One capture for every interface of a namespace: an unbound AF_PACKET socket with a receive ring, whose kernel
/// filter (compiled by libpcap from tcpdump syntax) keeps only the frames asked for, each delivered with its
/// interface index.
///
/// What it sees on an interface is what a libpcap capture on that interface (not promiscuous) sees: both are
/// the kernel's packet taps for the frames the interface receives and sends. It costs one socket and one thread
/// however many interfaces the namespace has; per-interface `PacketCapture` stays for a promiscuous view.
/// Offloaded 802.1Q tags are put back into the frame bytes, as libpcap does, so codecs see the tag.
/// Create it inside `withNetworkNamespace`; `start` runs the receive loop on a dedicated thread until `stop`.
/// Safe to share: the socket is read only by the capture thread; the frame list and flags are guarded by `lock`.
package final class NamespaceCapture: @unchecked Sendable {
    /// How `PacketCapture` names this capture in errors: the namespace's every interface.
    package static let interfaceDescription = "any"

    private let socket: CaptureSocket
    private let snapLength: Int
    private let wake: WakePipe
    private let lock = NSLock()
    private var captured: [InterfaceCapturedFrame] = []
    private var taken: UInt64 = 0
    private var running = false
    private var stopping = false
    private var loopError: PcapError?
    private let loopFinished = DispatchSemaphore(value: 0)
    private var onFrame: (@Sendable (InterfaceCapturedFrame) -> Void)?
    /// Loopback's index: its outgoing copies are the same frames received again, which libpcap skips too.
    private let loopbackIndex: Int32?

    /// Opens the capture in the calling thread's namespace, with `options.filter` (required) in the kernel.
    package init(options: CaptureOptions) throws(PcapError) {
        let name = Self.interfaceDescription
        guard let filter = options.filter else {
            throw PcapError(kind: .badFilter, interface: name, message: "a namespace capture needs a filter")
        }
        let program = try Self.compile(filter)
        do {
            socket = try CaptureSocket(
                filter: program,
                frameBytes: Int(options.snapLength),
                ringBytes: Int(options.bufferSize)
            )
            wake = try WakePipe()
        } catch {
            let kind: PcapError.Kind = error.code == EPERM || error.code == EACCES ? .permissionDenied : .failed
            throw PcapError(kind: kind, interface: name, message: "\(error)")
        }
        snapLength = Int(options.snapLength)
        loopbackIndex = try? CaptureSocket.interfaceState("lo").index
    }

    deinit { stop() }

    /// Compiles a tcpdump-syntax filter for Ethernet frames into the instructions a socket attaches.
    ///
    /// The program's snap length is the largest frame, so the socket still reports each frame's full length;
    /// the capture cuts the bytes it keeps itself.
    package static func compile(_ filter: String) throws(PcapError) -> [BPFInstruction] {
        let name = interfaceDescription
        var errorBuffer = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        guard CPcapRuntime_load(&errorBuffer, errorBuffer.count) == 0 else {
            throw PcapError(kind: .libraryMissing, interface: name, message: String(pcapMessage: errorBuffer))
        }
        var program = bpf_program()
        guard CPcapRuntime_compile_ethernet(filter, 262_144, &program, &errorBuffer, errorBuffer.count) == 0 else {
            throw PcapError(kind: .badFilter, interface: name, message: String(pcapMessage: errorBuffer))
        }
        defer { CPcapRuntime_freecode(&program) }
        return UnsafeBufferPointer(start: program.bf_insns, count: Int(program.bf_len)).map {
            BPFInstruction(code: $0.code, jumpIfTrue: $0.jt, jumpIfFalse: $0.jf, operand: $0.k)
        }
    }

    /// Starts the receive loop on a dedicated thread. `onFrame`, if given, is called on that thread per frame.
    package func start(onFrame: (@Sendable (InterfaceCapturedFrame) -> Void)? = nil) {
        let alreadyRunning = lock.withLock { () -> Bool in
            if running { return true }
            running = true
            self.onFrame = onFrame
            return false
        }
        if alreadyRunning { return }
        DedicatedThread.start(name: "capture any") { [self] in
            receiveLoop()
            loopFinished.signal()
        }
    }

    private func receiveLoop() {
        // The ring cuts each frame to the snap length (and a little), so this holds any of them.
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while !lock.withLock({ stopping }) {
            do {
                guard try socket.wait(wake: wake, timeoutMilliseconds: 200) != .woken else { break }
                while let frame = socket.receive(into: &buffer) {
                    defer { lock.withLock { taken += 1 } }
                    if frame.direction == .outgoing, frame.interfaceIndex == loopbackIndex { continue }
                    deliver(frame)
                }
            } catch {
                lock.withLock {
                    loopError = PcapError(kind: .failed, interface: Self.interfaceDescription, message: "\(error)")
                }
                break
            }
        }
    }

    private func deliver(_ received: InterfaceFrame) {
        var bytes = received.bytes
        var length = received.length
        if let tag = received.vlanTag, bytes.count >= 12 {
            let tpid = received.vlanProtocol == 0 ? 0x8100 : received.vlanProtocol
            bytes.insert(
                contentsOf: [UInt8(tpid >> 8), UInt8(tpid & 0xff), UInt8(tag >> 8), UInt8(tag & 0xff)],
                at: 12
            )
            length += 4
        }
        if bytes.count > snapLength { bytes.removeLast(bytes.count - snapLength) }
        let frame = InterfaceCapturedFrame(
            interfaceIndex: received.interfaceIndex,
            direction: received.direction,
            frame: CapturedFrame(
                timestampNs: received.timestampNs,
                bytes: bytes,
                originalLength: length,
                direction: received.direction
            )
        )
        let callback = lock.withLock { () -> (@Sendable (InterfaceCapturedFrame) -> Void)? in
            captured.append(frame)
            return onFrame
        }
        callback?(frame)
    }

    /// Stops the loop and waits for the capture thread to finish. Safe to call more than once.
    package func stop() {
        let wasRunning = lock.withLock { () -> Bool in
            let wasRunning = running && !stopping
            stopping = true
            return wasRunning
        }
        guard wasRunning else { return }
        wake.signal()
        loopFinished.wait()
    }

    /// Whether frames the kernel has already put in the ring are still unread: the reader thread has not taken
    /// every frame the filter accepted (less those the full ring dropped).
    package var hasUnreadFrames: Bool {
        let counters = socket.statistics()
        return lock.withLock { taken } < counters.accepted - min(counters.dropped, counters.accepted)
    }

    /// The frames captured so far, in arrival order.
    package var frames: [InterfaceCapturedFrame] { lock.withLock { captured } }

    /// The error that ended the loop early, if any.
    package var error: PcapError? { lock.withLock { loopError } }
}
