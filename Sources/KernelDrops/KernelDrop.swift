import LinuxNet

/// One frame of this run that the kernel freed as a drop, in the kernel's own words.
///
/// Made by `DropRecorder` from the `skb:kfree_skb` event of a socket buffer that earlier passed one of the
/// `net:*` receive or transmit events with the run's distinctive length. Codable so diagnosis can keep it as
/// evidence (`drop.kernel` in the trace report).
package struct KernelDrop: Codable, Sendable, Hashable {
    /// The kernel's drop reason without its `SKB_DROP_REASON_` prefix, such as `NETFILTER_DROP`, `NO_SOCKET`,
    /// `IP_RPFILTER` or `QDISC_DROP`; `NOT_REPORTED` when the kernel is too old to give one.
    package var reason: String

    /// Whether this drop discards a copy while the probe itself goes on, so it never explains a loss:
    /// OTHERHOST (a promiscuous bridge passes every frame up to its own stack too, which discards the copy) and
    /// NO_SOCKET (the source's kernel discards the echo reply that lxcdiag's AF_PACKET socket already read).
    package var discardsCopy: Bool { Self.copyReasons.contains(reason) }

    /// The reasons of drops that discard a copy (`discardsCopy`). A trace leaves them out in the kernel
    /// (`DropSignature.ignoredReasons`): a UDP flood to a closed port is one NO_SOCKET drop per datagram.
    package static let copyReasons: Set<String> = ["OTHERHOST", "NO_SOCKET"]
    /// Where the kernel freed the buffer, as it prints it (`nft_do_chain+0x3e8/0x610`), or resolved through
    /// /proc/kallsyms (`nft_do_chain+0x3e8`) when the kernel printed a raw address.
    package var location: String
    /// The interface of the last receive or transmit event the buffer passed before it was dropped.
    package var device: String
    /// The Ethernet frame length the drop was matched on (one of `DropSignature.frameLengths`).
    package var length: Int
    /// When the kernel dropped it, CLOCK_MONOTONIC nanoseconds (comparable with `monotonicNanoseconds()`);
    /// the kernel stamps events with microsecond precision. The recorder maps the instance's default
    /// per-CPU trace clock onto CLOCK_MONOTONIC through a marker it writes at start, because switching the
    /// instance to the `mono` clock costs ~30 ms (it resets the ring buffer). Without that marker (a
    /// matcher fed other lines) this is the trace clock as printed.
    package var timestampNs: UInt64
    /// The tracepoint that saw the buffer last, such as `netif_receive_skb` or `net_dev_queue`.
    package var lastEvent: String
    /// The interfaces the buffer passed, in the order the kernel first reported each.
    package var devices: [String]

    package init(
        reason: String,
        location: String,
        device: String,
        length: Int,
        timestampNs: UInt64,
        lastEvent: String,
        devices: [String]
    ) {
        self.reason = reason
        self.location = location
        self.device = device
        self.length = length
        self.timestampNs = timestampNs
        self.lastEvent = lastEvent
        self.devices = devices
    }

    /// The function that dropped the frame: `location` without its offset (`nft_do_chain`).
    package var function: String {
        String(location.prefix { $0 != "+" && $0 != "/" })
    }
}

/// What tells this run's frames apart from all other traffic the kernel handles.
///
/// lxcdiag gives its probe frames a length nothing else on the host is likely to use, so the kernel can
/// filter its events on it. `frameLengths` are whole Ethernet frames as put on the wire by AF_PACKET (header
/// and any VLAN tags included, no FCS); receive events report the length after the 14-byte Ethernet header,
/// and the recorder accounts for that.
package struct DropSignature: Codable, Sendable, Hashable {
    /// Ethernet frame lengths of the run's frames (60...65535).
    package var frameLengths: Set<Int>
    /// Interface names to watch; empty means every interface in every namespace.
    package var interfaces: Set<String>
    /// Drop reasons not to report (names without `SKB_DROP_REASON_`, such as `NO_SOCKET`); the kernel
    /// leaves them out itself where its `kfree_skb` format lists their numbers.
    package var ignoredReasons: Set<String>

    package init(frameLengths: Set<Int>, interfaces: Set<String> = [], ignoredReasons: Set<String> = []) {
        self.frameLengths = frameLengths
        self.interfaces = interfaces
        self.ignoredReasons = ignoredReasons
    }

    /// The EtherTypes probes use (IPv4, ARP, 802.1Q, 802.1ad), as `skb->protocol` in host order.
    static let probeEtherTypes = [2048, 2054, 33024, 34984]

    /// The tracefs filter for `kfree_skb`: the probes' EtherTypes (to skip IPv6 and the rest) and, for each
    /// ignored reason the kernel numbers in `reasonNumbers` (see `DropReasonTable`), `reason != N`. Its
    /// format has no length to filter on. Only numbers go into the text, never a name.
    func dropFilter(reasonNumbers: [String: Int]) -> String {
        let byProtocol = Self.probeEtherTypes.map { "protocol == \($0)" }.joined(separator: " || ")
        let excluded = ignoredReasons.compactMap { reasonNumbers[$0] }.sorted().map { "reason != \($0)" }
        guard !excluded.isEmpty else { return byProtocol }
        return "(\(byProtocol)) && \(excluded.joined(separator: " && "))"
    }

    /// The Ethernet header the receive path has pulled off by the time `netif_receive_skb` fires.
    static let ethernetHeaderLength = 14

    /// The frame length for a `len` a tracepoint printed, or nil when it is not one of the run's frames.
    func frameLength(eventLength: Int, direction: PacketEvent.Direction) -> Int? {
        // Wrapping: a damaged `len` near Int.max is no frame of the run either way.
        let frame = direction == .receive ? eventLength &+ Self.ethernetHeaderLength : eventLength
        return frameLengths.contains(frame) ? frame : nil
    }

    /// Whether `device` is one of the watched interfaces.
    func watches(_ device: String) -> Bool { interfaces.isEmpty || interfaces.contains(device) }

    /// The tracefs filter expression for one packet tracepoint, so the kernel keeps only the run's frames.
    ///
    /// Built from checked values only: every length must be a frame length and every interface name one
    /// the kernel could have given a device (`checkInterfaceName`), or this throws `.invalidSignature`. A
    /// name is pasted between double quotes, so one holding a quote could otherwise rewrite the filter.
    func filter(for direction: PacketEvent.Direction) throws(TracingError) -> String {
        try Self.checkFrameLengths(frameLengths)
        let lengths = frameLengths.sorted().map {
            "len == \(direction == .receive ? $0 - Self.ethernetHeaderLength : $0)"
        }
        let byLength = lengths.joined(separator: " || ")
        guard !interfaces.isEmpty else { return byLength }
        var names: [String] = []
        for name in interfaces.sorted() {
            try Self.checkInterfaceName(name)
            names.append("name == \"\(name)\"")
        }
        return "(\(byLength)) && (\(names.joined(separator: " || ")))"
    }

    /// The Ethernet frame lengths a signature may hold: 60 (the minimum without FCS) to 65535.
    package static let frameLengthRange = 60...65_535

    /// Throws `.invalidSignature` unless there is at least one length and every one is in `frameLengthRange`.
    package static func checkFrameLengths(_ lengths: Set<Int>) throws(TracingError) {
        guard !lengths.isEmpty else { throw TracingError(.invalidSignature, "no frame length to filter on") }
        if let bad = lengths.sorted().first(where: { !frameLengthRange.contains($0) }) {
            throw TracingError(
                .invalidSignature,
                "frame length \(bad) is not an Ethernet frame length (\(frameLengthRange.lowerBound)-\(frameLengthRange.upperBound))"
            )
        }
    }

    /// Throws `.invalidSignature` unless `name` is an interface name the kernel accepts that a tracefs
    /// filter can compare exactly (`InterfaceName.problem`, the one rule every command checks names with).
    /// The message quotes the name with Swift's escapes, so it stays one line whatever the name holds.
    package static func checkInterfaceName(_ name: String) throws(TracingError) {
        if let why = InterfaceName.problem(name) {
            throw TracingError(.invalidSignature, "\(String(reflecting: name)) is not a valid interface name: \(why)")
        }
    }

    /// IFNAMSIZ minus the terminating NUL.
    package static let maximumInterfaceNameBytes = InterfaceName.longest
}
