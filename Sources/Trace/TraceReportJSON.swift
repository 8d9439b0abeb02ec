package import Foundation
internal import JSONConvention
internal import KernelDrops

// The `lxcdiag.trace/1` document. Encoders are written out so that absent values are `null`, never missing;
// keys are sorted so that the same report always prints the same bytes.

extension TraceReport: Encodable {
    private enum CodingKeys: String, CodingKey {
        case schema
        case runID = "run_id"
        case from, to, verdict, probes, drop, findings
        case durationNs = "duration_ns"
        case quietSidePorts = "quiet_side_ports"
        case burst
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        // Side ports that saw only the broadcast ARP request are counted per bridge, not listed, past a few.
        let (shown, quiet) = sidePortSummary
        let probes = self.probes.map { probe in
            var listed = probe
            listed.hops = shown.map { probe.hops[$0] }
            return listed
        }
        try container.encode(quiet, forKey: .quietSidePorts)
        try container.encode(Self.schema, forKey: .schema)
        try container.encode(runID, forKey: .runID)
        try container.encode(from, forKey: .from)
        try container.encode(to, forKey: .to)
        try container.encode(verdict, forKey: .verdict)
        try container.encode(probes, forKey: .probes)
        try container.encode(drop, forKey: .drop)
        try container.encode(findings, forKey: .findings)
        try container.encode(durationNs, forKey: .durationNs)
        try container.encode(burst, forKey: .burst)
    }

    /// The report as a pretty-printed `lxcdiag.trace/1` JSON document (docs/json.md's convention).
    package func jsonDocument() throws -> Data {
        Data(try JSONDocuments.tree(of: self).text.utf8)
    }
}

extension ProbeReport: Encodable {
    private enum CodingKeys: String, CodingKey {
        case kind, size, sent
        case sentTo = "sent_to"
        case result
        case rttNs = "rtt_ns"
        case answeredBy = "answered_by"
        case hops
        case sendError = "send_error"
        case port
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        try container.encode(size, forKey: .size)
        try container.encode(sent, forKey: .sent)
        try container.encode(sentTo, forKey: .sentTo)
        try container.encode(result, forKey: .result)
        try container.encode(rttNs, forKey: .rttNs)
        try container.encode(answeredBy, forKey: .answeredBy)
        try container.encode(hops, forKey: .hops)
        try container.encode(sendError, forKey: .sendError)
        try container.encodeIfPresent(port, forKey: .port)
    }
}

extension QuietSidePorts: Encodable {
    private enum CodingKeys: String, CodingKey {
        case bridge, count
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(bridge, forKey: .bridge)
        try container.encode(count, forKey: .count)
    }
}

extension HopSighting: Encodable {
    private enum CodingKeys: String, CodingKey {
        case node, interface, role, side, request, reply
        case captureError = "capture_error"
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(node, forKey: .node)
        try container.encode(interface, forKey: .interface)
        try container.encode(role, forKey: .role)
        try container.encode(isSide, forKey: .side)
        try container.encode(request, forKey: .request)
        try container.encode(reply, forKey: .reply)
        try container.encode(captureError, forKey: .captureError)
    }
}

extension Sighting: Encodable {
    private enum CodingKeys: String, CodingKey {
        case seen
        case timestampNs = "t_ns"
        case timestampText = "t_ns_string"
        case offsetNs = "offset_ns"
        case vlanIDs = "vlan_ids"
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(seen, forKey: .seen)
        try container.encode(timestampNs, forKey: .timestampNs)
        // t_ns exceeds 2^53, where jq and JavaScript round; the string keeps every digit.
        try container.encode(timestampNs.map(String.init), forKey: .timestampText)
        try container.encode(offsetNs, forKey: .offsetNs)
        try container.encode(vlanIDs, forKey: .vlanIDs)
    }
}

extension DropLocation: Encodable {
    private enum CodingKeys: String, CodingKey {
        case probe, direction
        case lastSeen = "last_seen"
        case firstMissing = "first_missing"
        case kernel
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(probe, forKey: .probe)
        try container.encode(direction, forKey: .direction)
        try container.encode(lastSeen, forKey: .lastSeen)
        try container.encode(firstMissing, forKey: .firstMissing)
        try container.encode(kernel.map(KernelDropJSON.init), forKey: .kernel)
    }
}

/// `drop.kernel`: the kernel's reason and location, with the interface it was last seen on.
private struct KernelDropJSON: Encodable {
    var reason: String
    var location: String
    var device: String
    var lastEvent: String

    init(_ drop: KernelDrop) {
        reason = drop.reason
        location = drop.location
        device = drop.device
        lastEvent = drop.lastEvent
    }

    private enum CodingKeys: String, CodingKey {
        case reason, location, device
        case lastEvent = "last_event"
    }
}
