import Glibc

/// One line of a tracefs `trace` or `trace_pipe` file, split into its context and its event.
///
/// The kernel prints `TASK-PID [CPU] FLAGS SECONDS.MICROS: EVENT: BODY`; the task name may hold spaces and
/// dashes and the flags column is absent when the `irq-info` option is off. A ring buffer that overflowed
/// prints `CPU:N [LOST M EVENTS]` instead.
package enum TraceRecord: Sendable, Hashable {
    /// A buffer passing a receive or transmit tracepoint.
    case packet(PacketEvent)
    /// A buffer freed as a drop (`skb:kfree_skb`).
    case drop(DropEvent)
    /// The ring buffer overwrote events before they were read.
    case lost(cpu: Int, count: Int)
    /// lxcdiag's own `trace_marker` line `lxcdiag-clock NS`: CLOCK_MONOTONIC when it was written, stamped by
    /// the trace clock, which gives the offset between the two clocks.
    case clock(traceNs: UInt64, monotonicNs: UInt64)

    /// What lxcdiag writes to `trace_marker` before the number.
    static let clockMarker = "lxcdiag-clock"

    /// Parses one line; nil for comments, blank lines and events this module does not use.
    package init?(line: Substring) {
        let text = line.drop { $0 == " " }
        if text.isEmpty || text.first == "#" { return nil }
        if text.hasPrefix("CPU:") {
            guard let lost = Self.lostEvents(text) else { return nil }
            self = .lost(cpu: lost.cpu, count: lost.count)
            return
        }
        guard let context = TraceContext(text) else { return nil }
        let fields = TraceFields(context.body)
        switch context.event {
        case "tracing_mark_write":
            let words = context.body.split(separator: " ")
            guard words.count == 2, words[0] == Self.clockMarker, let monotonic = UInt64(words[1]) else { return nil }
            self = .clock(traceNs: context.timestampNs, monotonicNs: monotonic)
        case "kfree_skb":
            guard let skb = fields["skbaddr"], let location = fields["location"] else { return nil }
            self = .drop(
                DropEvent(
                    skb: skb,
                    location: location,
                    reason: fields.reason ?? "NOT_REPORTED",
                    protocolNumber: fields["protocol"].flatMap { Int($0) },
                    cpu: context.cpu,
                    timestampNs: context.timestampNs
                )
            )
        default:
            guard let direction = PacketEvent.direction(of: context.event),
                let skb = fields["skbaddr"], let device = fields["dev"],
                let length = fields["len"].flatMap({ Int($0) })
            else { return nil }
            self = .packet(
                PacketEvent(
                    event: context.event,
                    direction: direction,
                    device: device,
                    skb: skb,
                    length: length,
                    cpu: context.cpu,
                    timestampNs: context.timestampNs
                )
            )
        }
    }

    /// The buffer address of a `kfree_skb` line (`... kfree_skb: skbaddr=ADDR ...`), found in the raw line
    /// without decoding or parsing it; nil for any other line. Lets the recorder skip the drops of other
    /// traffic cheaply. The corresponding C functions are `memchr` and `memcmp` (Glibc's Swift module has no
    /// `memmem`).
    package static func dropBufferAddress(in line: UnsafeBufferPointer<UInt8>) -> String? {
        guard let base = line.baseAddress else { return nil }
        let marker = dropMarker
        var from = 1
        while from < line.count, let k = memchr(base + from, Int32(marker[1]), line.count - from) {
            let at = UnsafeRawPointer(k) - UnsafeRawPointer(base) - 1
            from = at + 2
            guard line.count - at >= marker.count,
                marker.withUnsafeBytes({ memcmp(base + at, $0.baseAddress!, marker.count) }) == 0
            else { continue }
            var end = at + marker.count
            while end < line.count, line[end] != UInt8(ascii: " ") { end += 1 }
            return String(decoding: UnsafeBufferPointer(rebasing: line[(at + marker.count)..<end]), as: UTF8.self)
        }
        return nil
    }

    private static let dropMarker = Array(" kfree_skb: skbaddr=".utf8)

    /// Parses `CPU:1 [LOST 42 EVENTS]`.
    private static func lostEvents(_ text: Substring) -> (cpu: Int, count: Int)? {
        let words = text.split(separator: " ")
        guard words.count >= 3, words[1] == "[LOST", let cpu = Int(words[0].dropFirst(4)),
            let count = Int(words[2]), cpu >= 0, count >= 0
        else { return nil }
        return (cpu, count)
    }
}

/// A socket buffer seen by `net:netif_rx`, `net:netif_receive_skb`, `net:net_dev_queue` or `net:net_dev_xmit`.
package struct PacketEvent: Sendable, Hashable {
    /// Whether the event sees the buffer on its way in (Ethernet header pulled) or out (whole frame).
    package enum Direction: String, Sendable, Hashable {
        case receive
        case transmit
    }

    /// The tracepoint name, such as `netif_receive_skb`.
    package var event: String
    package var direction: Direction
    /// The interface name, in whichever namespace the interface lives.
    package var device: String
    /// The buffer's address as the kernel printed it (hashed, but stable for one buffer).
    package var skb: String
    /// The `len` the tracepoint printed.
    package var length: Int
    package var cpu: Int
    package var timestampNs: UInt64

    /// The tracepoints this module enables, by direction.
    static let tracepoints: [(name: String, direction: Direction)] = [
        ("netif_rx", .receive),
        ("netif_receive_skb", .receive),
        ("net_dev_queue", .transmit),
    ]

    static func direction(of event: String) -> Direction? {
        switch event {
        case "netif_rx", "netif_receive_skb", "netif_receive_skb_entry", "netif_rx_entry": .receive
        case "net_dev_queue", "net_dev_xmit", "net_dev_start_xmit": .transmit
        default: nil
        }
    }
}

/// A socket buffer freed as a drop (`skb:kfree_skb`).
package struct DropEvent: Sendable, Hashable {
    /// The buffer's address as the kernel printed it.
    package var skb: String
    /// `symbol+offset/size` (`%pS`), or a raw address on kernels that print `%p`.
    package var location: String
    /// The drop reason name, or `NOT_REPORTED` when the kernel prints none.
    package var reason: String
    /// `skb->protocol` in host order (2048 for IPv4, 2054 for ARP), when printed.
    package var protocolNumber: Int?
    package var cpu: Int
    package var timestampNs: UInt64
}

/// The fixed part of a trace line: who, where, when and which event.
private struct TraceContext {
    var cpu: Int
    var timestampNs: UInt64
    var event: String
    var body: Substring

    init?(_ text: Substring) {
        // The CPU column is the first "[digits]" after the task name; task names cannot end in "] ".
        guard let open = Self.cpuColumn(in: text) else { return nil }
        let afterOpen = text[text.index(after: open)...]
        guard let close = afterOpen.firstIndex(of: "]"), let cpu = Int(afterOpen[..<close]) else { return nil }
        var rest = afterOpen[afterOpen.index(after: close)...].drop { $0 == " " }
        // Optional flags column (irq-info), then "SECONDS.MICROS:".
        guard var stamp = rest.split(separator: " ", maxSplits: 1).first else { return nil }
        if !stamp.hasSuffix(":") {
            rest = rest.dropFirst(stamp.count).drop { $0 == " " }
            guard let next = rest.split(separator: " ", maxSplits: 1).first else { return nil }
            stamp = next
        }
        guard stamp.hasSuffix(":"), let timestampNs = Self.nanoseconds(stamp.dropLast()) else { return nil }
        rest = rest.dropFirst(stamp.count).drop { $0 == " " }
        guard let colon = rest.firstIndex(of: ":") else { return nil }
        self.cpu = cpu
        self.timestampNs = timestampNs
        self.event = String(rest[..<colon])
        self.body = rest[rest.index(after: colon)...].drop { $0 == " " }
    }

    private static func cpuColumn(in text: Substring) -> Substring.Index? {
        var index = text.startIndex
        while let open = text[index...].firstIndex(of: "[") {
            let after = text[text.index(after: open)...]
            let digits = after.prefix { $0.isASCII && $0.isNumber }
            if !digits.isEmpty, after.dropFirst(digits.count).first == "]" { return open }
            index = text.index(after: open)
        }
        return nil
    }

    /// "534.342282" (seconds.microseconds, or .nanoseconds with some clocks) as nanoseconds.
    private static func nanoseconds(_ stamp: Substring) -> UInt64? {
        let parts = stamp.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let seconds = UInt64(parts[0]), let fraction = UInt64(parts[1]),
            (1...9).contains(parts[1].count)
        else { return nil }
        var scale: UInt64 = 1
        for _ in parts[1].count..<9 { scale *= 10 }
        // A damaged line may name more seconds than 64 bits of nanoseconds hold: not a time then.
        let (whole, wholeOverflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        let (sum, sumOverflow) = whole.addingReportingOverflow(fraction * scale)
        return wholeOverflow || sumOverflow ? nil : sum
    }
}

/// The `key=value` fields of an event body, plus kfree_skb's trailing `reason: NAME`.
private struct TraceFields {
    private var values: [Substring: Substring] = [:]
    var reason: String?

    init(_ body: Substring) {
        var words = body.split(separator: " ")[...]
        while let word = words.popFirst() {
            if word == "reason:" {
                reason = words.popFirst().map(String.init)
            } else if let equals = word.firstIndex(of: "=") {
                values[word[..<equals]] = word[word.index(after: equals)...]
            }
        }
    }

    subscript(key: Substring) -> String? { values[key].map(String.init) }
}
