internal import CPcap
internal import CPcapRuntime
import Foundation
package import LinuxNet

/// A frame captured by libpcap, copied out of libpcap's buffer inside the callback.
package struct CapturedFrame: Sendable {
    /// Capture time in nanoseconds since the epoch (libpcap's nanosecond precision).
    package var timestampNs: UInt64
    /// The captured bytes (at most the snap length).
    package var bytes: [UInt8]
    /// The frame's length on the wire.
    package var originalLength: Int
    /// How the kernel's packet tap saw it (`sll_pkttype`: outgoing, or for whom it arrived), when the capture
    /// reports it (`NamespaceCapture` does, per frame); nil when unknown.
    package var direction: PacketDirection?

    package init(
        timestampNs: UInt64,
        bytes: [UInt8],
        originalLength: Int? = nil,
        direction: PacketDirection? = nil
    ) {
        self.timestampNs = timestampNs
        self.bytes = bytes
        self.originalLength = originalLength ?? bytes.count
        self.direction = direction
    }
}

/// What went wrong with a libpcap handle.
package struct PcapError: Error, Sendable, CustomStringConvertible {
    package enum Kind: Sendable {
        case libraryMissing
        case noSuchDevice
        /// The interface exists but is administratively down; libpcap does not capture on it.
        case interfaceDown
        case permissionDenied
        case badFilter
        /// A capture file that is missing, not pcap/pcapng, or cut short (`interface` holds its path).
        case unreadableFile
        case failed
    }

    package var kind: Kind
    package var interface: String
    package var message: String

    package var description: String {
        switch kind {
        case .libraryMissing:
            "libpcap cannot be loaded (\(message)); install it: apt-get install libpcap0.8"
        case .noSuchDevice: "capture on \(interface): no such interface (\(message))"
        case .interfaceDown: "capture on \(interface): the interface is down (ip link set dev \(interface) up)"
        case .permissionDenied: "capture on \(interface): permission denied; run as root or grant CAP_NET_RAW"
        case .badFilter: "capture filter for \(interface) does not compile: \(message)"
        case .unreadableFile: "cannot read \(interface): \(message)"
        case .failed: "capture on \(interface): \(message)"
        }
    }
}

/// Settings for a capture handle.
package struct CaptureOptions: Sendable {
    /// Bytes kept of each frame.
    package var snapLength: Int32 = 2048
    /// A tcpdump-syntax filter compiled into the kernel, so only matching frames reach user space.
    package var filter: String?
    /// Kernel buffer size in bytes.
    package var bufferSize: Int32 = 2 * 1024 * 1024
    /// Capture in promiscuous mode. Off by default: a promiscuous bridge changes what it delivers locally.
    package var promiscuous = false

    package init(filter: String? = nil, snapLength: Int32 = 2048) {
        self.filter = filter
        self.snapLength = snapLength
    }
}

/// A live libpcap capture on one interface: pcap_create, immediate mode, nanosecond timestamps, a BPF filter.
///
/// Create it inside `withNetworkNamespace` (the handle keeps that namespace); then `start` runs the receive
/// loop on a dedicated thread until `stop`. Frames are kept in arrival order and read with `frames`.
/// Safe to share: the pcap handle is touched only by the capture thread after `start` (and by `stop`,
/// which only calls `pcap_breakloop` and writes the wake pipe); the frame list is guarded by `lock`.
package final class PacketCapture: @unchecked Sendable {
    package let interface: String
    /// A warning from `pcap_activate` (such as promiscuous mode not supported), if any.
    package let activationWarning: String?

    private let handle: OpaquePointer
    private let wake: WakePipe
    private let lock = NSLock()
    private var captured: [CapturedFrame] = []
    private var running = false
    private var stopping = false
    private var loopError: PcapError?
    private let loopFinished = DispatchSemaphore(value: 0)
    private var onFrame: (@Sendable (CapturedFrame) -> Void)?

    /// Opens and activates a capture on `interface` in the calling thread's network namespace.
    package init(interface: String, options: CaptureOptions = CaptureOptions()) throws(PcapError) {
        self.interface = interface
        var errorBuffer = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        guard CPcapRuntime_load(&errorBuffer, errorBuffer.count) == 0 else {
            throw PcapError(kind: .libraryMissing, interface: interface, message: String(pcapMessage: errorBuffer))
        }
        guard let handle = CPcapRuntime_create(interface, &errorBuffer) else {
            throw PcapError(kind: .failed, interface: interface, message: String(pcapMessage: errorBuffer))
        }
        var ownsHandle = true
        defer { if ownsHandle { CPcapRuntime_close(handle) } }
        CPcapRuntime_set_snaplen(handle, options.snapLength)
        CPcapRuntime_set_promisc(handle, options.promiscuous ? 1 : 0)
        CPcapRuntime_set_immediate_mode(handle, 1)
        CPcapRuntime_set_buffer_size(handle, options.bufferSize)
        CPcapRuntime_set_tstamp_precision(handle, Int32(PCAP_TSTAMP_PRECISION_NANO))
        let status = CPcapRuntime_activate(handle)
        if status < 0 {
            let message = String(cString: CPcapRuntime_geterr(handle))
            let kind: PcapError.Kind =
                switch status {
                case PCAP_ERROR_NO_SUCH_DEVICE: .noSuchDevice
                case PCAP_ERROR_IFACE_NOT_UP: .interfaceDown
                case PCAP_ERROR_PERM_DENIED: .permissionDenied
                default: .failed
                }
            throw PcapError(kind: kind, interface: interface, message: message)
        }
        activationWarning = status > 0 ? String(cString: CPcapRuntime_geterr(handle)) : nil
        if let filter = options.filter {
            var program = bpf_program()
            guard CPcapRuntime_compile(handle, &program, filter, 1, PCAP_NETMASK_UNKNOWN) == 0 else {
                throw PcapError(
                    kind: .badFilter,
                    interface: interface,
                    message: String(cString: CPcapRuntime_geterr(handle))
                )
            }
            defer { CPcapRuntime_freecode(&program) }
            guard CPcapRuntime_setfilter(handle, &program) == 0 else {
                throw PcapError(
                    kind: .badFilter,
                    interface: interface,
                    message: String(cString: CPcapRuntime_geterr(handle))
                )
            }
        }
        guard CPcapRuntime_setnonblock(handle, 1, &errorBuffer) == 0 else {
            throw PcapError(kind: .failed, interface: interface, message: String(pcapMessage: errorBuffer))
        }
        do { wake = try WakePipe() } catch {
            throw PcapError(kind: .failed, interface: interface, message: "\(error)")
        }
        ownsHandle = false
        self.handle = handle
    }

    deinit {
        stop()
        CPcapRuntime_close(handle)
    }

    /// The libpcap link-layer type (1 for Ethernet).
    package var linkType: Int32 { CPcapRuntime_datalink(handle) }

    /// Starts the receive loop on a dedicated thread. `onFrame`, if given, is called on that thread per frame.
    package func start(onFrame: (@Sendable (CapturedFrame) -> Void)? = nil) {
        let alreadyRunning = lock.withLock { () -> Bool in
            if running { return true }
            running = true
            self.onFrame = onFrame
            return false
        }
        if alreadyRunning { return }
        DedicatedThread.start(name: "pcap \(interface)") { [self] in
            receiveLoop()
            loopFinished.signal()
        }
    }

    private func receiveLoop() {
        let fd = CPcapRuntime_get_selectable_fd(handle)
        let context = Unmanaged.passUnretained(self).toOpaque()
        while !lock.withLock({ stopping }) {
            // After the interface goes down libpcap asks for a short poll timeout and checks, in the next
            // dispatch, whether the interface is gone; so a timeout dispatches too instead of waiting on.
            let required = CPcapRuntime_get_required_select_timeout(handle).map {
                Int32($0.pointee.tv_sec * 1000 + $0.pointee.tv_usec / 1000)
            }
            let timeout = max(required ?? 200, 1)
            guard let ready = try? wake.wait(for: fd, timeoutMilliseconds: timeout), ready != .woken else { break }
            let count = CPcapRuntime_dispatch(
                handle,
                -1,
                { user, header, bytes in
                    guard let user, let header, let bytes else { return }
                    let capture = Unmanaged<PacketCapture>.fromOpaque(user).takeUnretainedValue()
                    let length = Int(header.pointee.caplen)
                    let frame = CapturedFrame(
                        timestampNs: UInt64(header.pointee.ts.tv_sec) * 1_000_000_000
                            + UInt64(header.pointee.ts.tv_usec),
                        bytes: Array(UnsafeBufferPointer(start: bytes, count: length)),
                        originalLength: Int(header.pointee.len)
                    )
                    capture.deliver(frame)
                },
                context.assumingMemoryBound(to: UInt8.self)
            )
            if count == PCAP_ERROR {
                let message = String(cString: CPcapRuntime_geterr(handle))
                let kind: PcapError.Kind =
                    message.contains("No such device") || message.contains("went down")
                        || message.contains("disappeared") ? .noSuchDevice : .failed
                lock.withLock { loopError = PcapError(kind: kind, interface: interface, message: message) }
                break
            }
            if count == PCAP_ERROR_BREAK { break }
        }
    }

    private func deliver(_ frame: CapturedFrame) {
        let callback = lock.withLock { () -> (@Sendable (CapturedFrame) -> Void)? in
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
        CPcapRuntime_breakloop(handle)
        wake.signal()
        loopFinished.wait()
    }

    /// The frames captured so far, in arrival order.
    package var frames: [CapturedFrame] { lock.withLock { captured } }

    /// The error that ended the loop early (the interface vanished, say), if any.
    package var error: PcapError? { lock.withLock { loopError } }
}

extension String {
    /// Reads a NUL-terminated message that libpcap wrote into `buffer`.
    init(pcapMessage buffer: [CChar]) {
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        self = String(decoding: bytes, as: UTF8.self)
    }
}
