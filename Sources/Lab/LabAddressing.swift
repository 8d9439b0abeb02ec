package import PacketCodec

/// The lab's addresses: one subnet, and fixed offsets in it for every endpoint. Pure, no I/O.
///
/// The client is `.1`, the host's em2 `.2`, the containers `.11`..`.14` (offsets from the subnet's network
/// address). The subnet is picked by `lab up` so that it overlaps no route or address of the namespace it
/// starts from (`LabSubnetChoice`); a lab whose addresses were also the machine's would send its probes there.
package struct LabAddressing: Sendable, Hashable {
    /// The smallest subnet that holds every offset the lab and its faults use (up to `.31`).
    package static let longestPrefix = 26
    /// The shortest prefix accepted: anything wider is more address space than a lab should claim.
    package static let shortestPrefix = 8

    /// The lab's subnet, normalised to its network address.
    package let subnet: IPv4Network

    /// Makes the addressing for `subnet`; throws unless its prefix is /8 to /26.
    package init(subnet: IPv4Network) throws(LabError) {
        guard (Self.shortestPrefix...Self.longestPrefix).contains(subnet.prefixLength) else {
            throw LabError.invalidSubnet(
                "\(subnet.address)/\(subnet.prefixLength)",
                reason: "use a prefix from /\(Self.shortestPrefix) to /\(Self.longestPrefix)"
            )
        }
        self.subnet = IPv4Network(address: subnet.networkAddress, prefixLength: subnet.prefixLength)
    }

    /// Parses `--subnet` text such as `198.51.100.0/24`.
    package init(parsing text: String) throws(LabError) {
        guard text.contains("/"), let network = IPv4Network(text) else {
            throw LabError.invalidSubnet(text, reason: "expected an IPv4 prefix such as 198.51.100.0/24")
        }
        try self.init(subnet: network)
    }

    /// The prefix length every lab address is configured with.
    package var prefixLength: Int { subnet.prefixLength }
    /// The subnet's broadcast address (LXC needs it given explicitly).
    package var broadcast: IPv4Address { subnet.broadcastAddress }

    /// The address at `offset` from the subnet's network address.
    package func address(_ offset: UInt32) -> IPv4Address { IPv4Address(subnet.networkAddress.value + offset) }

    /// The outside client's eth0.
    package var external: IPv4Address { address(1) }
    /// The host's em2.
    package var host: IPv4Address { address(2) }
    /// The second outside client's eth0, on VLAN 103 (VLAN labs only).
    package var externalVLAN103: IPv4Address { address(3) }
    /// The address the `macvlan-parent-address` fault gives br0.
    package var parentFault: IPv4Address { address(4) }
    /// The address of the second interface the `arp-flux` fault gives ct1.
    package var fluxFault: IPv4Address { address(31) }
    /// Container `ctN`'s eth0 (`.10 + N`).
    package func container(_ number: Int) -> IPv4Address { address(10 + UInt32(number)) }

    /// `address/prefix`, as `ip address add` takes it.
    package func cidr(_ address: IPv4Address) -> String { "\(address)/\(prefixLength)" }

    /// Whether the lab's subnet shares any address with `network`.
    package func overlaps(_ network: IPv4Network) -> Bool { Self.overlap(subnet, network) }

    /// Whether two prefixes share any address: the shorter one contains the longer one's network address.
    package static func overlap(_ a: IPv4Network, _ b: IPv4Network) -> Bool {
        let shorter = a.prefixLength <= b.prefixLength ? a : b
        let longer = a.prefixLength <= b.prefixLength ? b : a
        return shorter.contains(longer.networkAddress)
    }

    /// The subnets `lab up` tries, in order: the three documentation ranges (RFC 5737), then the /24s of the
    /// benchmarking range 198.18.0.0/15 (RFC 2544). None of them is routed on the Internet.
    package static let candidates: [IPv4Network] =
        [
            IPv4Network(address: IPv4Address(192, 0, 2, 0), prefixLength: 24),
            IPv4Network(address: IPv4Address(198, 51, 100, 0), prefixLength: 24),
            IPv4Network(address: IPv4Address(203, 0, 113, 0), prefixLength: 24),
        ]
        + (0..<512).map { index in
            IPv4Network(address: IPv4Address((198 << 24 | 18 << 16) + UInt32(index) << 8), prefixLength: 24)
        }

    /// The first candidate that overlaps none of `taken`; nil when every candidate does.
    package static func firstFree(avoiding taken: [IPv4Network]) -> LabAddressing? {
        for candidate in candidates where !taken.contains(where: { overlap(candidate, $0) }) {
            return LabAddressing(checked: candidate)
        }
        return nil
    }

    /// What the labs built before subnets were chosen used; a state file without a subnet means this.
    package static let legacy = LabAddressing(
        checked: IPv4Network(address: IPv4Address(192, 0, 2, 0), prefixLength: 24)
    )

    private init(checked subnet: IPv4Network) { self.subnet = subnet }
}
