package import LinuxNet
package import PacketCodec

/// One kind of probe a trace sends, behind one protocol: its frames, its part of the kernel filter, how a
/// captured frame matches its request or reply, and what its loss means.
///
/// A new kind is one type conforming to this protocol (and `CraftedProbe` or `StackProbe`), added to the
/// probes `ProbeCatalog` assembles for a trace; correlation, findings and output read it through here.
package protocol TraceProbe: Sendable {
    /// The name the report gives the probe (`tcp`, `udp-stack`).
    var kind: ProbeKind { get }
    /// Bytes above Ethernet: the IPv4 total length (28 for ARP).
    var size: Int { get }
    /// One line for the legend and the evidence: what the probe is.
    var legend: String { get }
    /// What it means when the probe got no answer at all, for the finding that says where it stopped.
    var lossMeaning: String { get }
    /// The TCP or UDP port it is sent to, if it has one.
    var port: UInt16? { get }
    /// A tcpdump-syntax expression that passes this run's request and reply frames of this probe; `tagged` is
    /// true inside `vlan and (...)`, where Ethernet offsets shift by the tag.
    func captureFilter(_ run: ProbeFrames, tagged: Bool) -> String
    /// What a captured frame is to this probe in this run, or nil when it is not one of its frames.
    func classify(_ ethernet: EthernetFrame, _ run: ProbeFrames) -> ProbeFrame?
}

extension TraceProbe {
    package var port: UInt16? { nil }
}

/// A probe whose whole frame lxcdiag writes and sends on the source's interface (the source's stack takes no
/// part): it shows where a frame stops, whatever the source's own routes and filters do.
package protocol CraftedProbe: TraceProbe {
    /// The frame for this run, addressed to `destination` (the MAC that answered ARP).
    func frame(_ run: ProbeFrames, to destination: MACAddress) -> [UInt8]
}

/// A probe sent through the source namespace's own stack (its route lookup, neighbour cache and netfilter), as
/// the user's own program would: the trace's verdict follows these.
package protocol StackProbe: TraceProbe {
    /// Opens what the probe sends with, in the calling thread's network namespace (the source's).
    func open(_ run: ProbeFrames) throws(SystemError) -> any StackExchange
}

/// A stack probe's socket, opened in the source's namespace and usable from any thread.
package protocol StackExchange: Sendable {
    /// Sends the probe and waits until `deadlineNs` (monotonic) for its answer.
    func run(deadlineNs: UInt64) -> StackOutcome
}

/// What the source's own socket got.
package struct StackOutcome: Sendable, Hashable {
    /// Realtime ns the probe was handed to the kernel; nil when the kernel refused it.
    package var sentAtNs: UInt64?
    /// Realtime ns the answer reached the socket; nil when none came in time.
    package var answeredAtNs: UInt64?
    /// The answer said nothing listens (ECONNREFUSED: a TCP RST, an ICMP port unreachable).
    package var refused = false
    /// Why the kernel refused to send it (no route, an OUTPUT rule), if it did.
    package var sendError: String?

    package init(sentAtNs: UInt64?, answeredAtNs: UInt64? = nil, refused: Bool = false, sendError: String? = nil) {
        self.sentAtNs = sentAtNs
        self.answeredAtNs = answeredAtNs
        self.refused = refused
        self.sendError = sendError
    }
}

/// The probes of one trace: the standard four (ARP, the two echo requests, the echo request through the
/// source's stack), and a transport pair per `--tcp`/`--udp` port.
package enum ProbeCatalog {
    /// The probes for a trace with `smallSize` and `largeSize` echo requests and `transports` ports.
    package static func probes(
        smallSize: Int,
        largeSize: Int,
        transports: [TransportPort] = []
    ) -> [any TraceProbe] {
        var probes: [any TraceProbe] = [
            ARPProbe(),
            EchoProbe(kind: .icmp, size: smallSize, sequence: 1),
            EchoProbe(kind: .icmpMTU, size: largeSize, sequence: 2),
            StackEchoProbe(size: smallSize),
        ]
        for port in transports {
            switch port.transport {
            case .tcp: probes += [TCPProbe(port: port.number), TCPStackProbe(port: port.number)]
            case .udp: probes += [UDPProbe(port: port.number), UDPStackProbe(port: port.number)]
            }
        }
        return probes
    }

    /// The standard probes at the default sizes, for recognising frames where sizes do not matter.
    package static let standard = probes(smallSize: 111, largeSize: 1500)
}

/// A transport port to probe: `--tcp 443`, `--udp 53`.
package struct TransportPort: Sendable, Hashable {
    package enum Transport: String, Sendable, Hashable { case tcp, udp }

    package var transport: Transport
    package var number: UInt16

    package init(_ transport: Transport, _ number: UInt16) {
        self.transport = transport
        self.number = number
    }

    /// `TCP 443`, as findings write it.
    package var label: String { "\(transport.rawValue.uppercased()) \(number)" }
}
