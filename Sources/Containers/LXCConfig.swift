package import PacketCodec

/// One `key = value` line of an LXC container config, with where it came from.
package struct LXCConfigEntry: Sendable, Hashable, Codable {
    package var key: String
    package var value: String
    /// The file that held the line (the container's config or an included file).
    package var file: String
    package var line: Int

    package init(key: String, value: String, file: String, line: Int) {
        self.key = key
        self.value = value
        self.file = file
        self.line = line
    }
}

/// A network interface an LXC config declares (`lxc.net.N.*`), whether or not it exists right now.
package struct LXCNetworkDeclaration: Sendable, Hashable, Codable {
    /// N in `lxc.net.N`.
    package var index: Int
    /// `veth`, `macvlan`, `vlan`, `phys`, `ipvlan`, `empty`, `none`.
    package var type: String?
    /// The host interface the container's interface hangs off (bridge for veth, parent for macvlan).
    package var link: String?
    /// The configured MAC, as written (LXC allows `x` placeholders such as `00:16:3e:xx:xx:xx`).
    package var hwaddr: String?
    /// The interface name inside the container.
    package var name: String?
    /// The host-side veth name (`lxc.net.N.veth.pair`).
    package var vethPair: String?
    /// `private`, `vepa`, `bridge` or `passthru`.
    package var macvlanMode: String?
    /// `lxc.net.N.ipv4.address` values, in order (`192.0.2.10/24`).
    package var ipv4Addresses: [String]
    package var ipv4Gateway: String?
    package var mtu: Int?
    /// `up` when LXC brings the interface up.
    package var flags: String?
    /// `lxc.net.N.vlan.id` for type vlan.
    package var vlanID: Int?

    package init(index: Int) {
        self.index = index
        self.ipv4Addresses = []
    }

    /// The configured MAC when it is a complete address (no `x` placeholders).
    package var mac: MACAddress? { hwaddr.flatMap(MACAddress.init) }

    /// The configured addresses that parse as IPv4 networks (`192.0.2.10/24`; a bare address counts as /32).
    package var ipv4Networks: [IPv4Network] {
        ipv4Addresses.compactMap { text in
            let first = String(text.split(separator: " ").first ?? "")
            if first.contains("/") { return IPv4Network(first) }
            return IPv4Address(first).map { IPv4Network(address: $0, prefixLength: 32) }
        }
    }
}

/// An LXC container's configuration: every entry in file order, with `lxc.include`s expanded.
package struct LXCConfig: Sendable, Hashable {
    package var entries: [LXCConfigEntry]
    /// Includes that could not be read, and lines that are not `key = value`, as `file:line: reason`.
    package var problems: [String]

    package init(entries: [LXCConfigEntry], problems: [String] = []) {
        self.entries = entries
        self.problems = problems
    }

    /// The last value of `key` (LXC keeps the last one for single-valued keys).
    package func value(_ key: String) -> String? { entries.last { $0.key == key }?.value }

    /// The declared network interfaces, by index. An empty `lxc.net =` line clears the ones before it, as in LXC.
    package var networks: [LXCNetworkDeclaration] {
        var byIndex: [Int: LXCNetworkDeclaration] = [:]
        for entry in entries {
            if entry.key == "lxc.net" && entry.value.isEmpty {
                byIndex = [:]
                continue
            }
            let parts = entry.key.split(separator: ".", maxSplits: 3).map(String.init)
            guard parts.count >= 3, parts[0] == "lxc", parts[1] == "net", let index = Int(parts[2]) else { continue }
            var network = byIndex[index] ?? LXCNetworkDeclaration(index: index)
            let field = parts.count == 4 ? parts[3] : ""
            let value = entry.value
            switch field {
            case "type": network.type = value
            case "link": network.link = value
            case "hwaddr": network.hwaddr = value
            case "name": network.name = value
            case "veth.pair": network.vethPair = value
            case "macvlan.mode": network.macvlanMode = value
            case "ipv4.address":
                // An empty value clears the list, as in LXC.
                if value.isEmpty { network.ipv4Addresses = [] } else { network.ipv4Addresses.append(value) }
            case "ipv4.gateway": network.ipv4Gateway = value
            case "mtu": network.mtu = Int(value)
            case "flags": network.flags = value
            case "vlan.id": network.vlanID = Int(value)
            default: break
            }
            byIndex[index] = network
        }
        return byIndex.keys.sorted().map { byIndex[$0]! }
    }

    /// Parses config text. `load` returns the text of an included file, or the names of the `*.conf` files of an
    /// included directory (LXC includes every `.conf` file of a directory, in name order).
    package static func parse(
        _ text: String,
        file: String,
        load: (String) -> IncludedConfig? = { _ in nil }
    ) -> LXCConfig {
        var config = LXCConfig(entries: [])
        append(text, file: file, depth: 0, load: load, into: &config)
        return config
    }

    private static func append(
        _ text: String,
        file: String,
        depth: Int,
        load: (String) -> IncludedConfig?,
        into config: inout LXCConfig
    ) {
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingWhitespace()
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let equals = line.firstIndex(of: "=") else {
                config.problems.append("\(file):\(offset + 1): not a key = value line")
                continue
            }
            let key = line[..<equals].trimmingWhitespace()
            let value = unquoted(line[line.index(after: equals)...].trimmingWhitespace())
            guard key == "lxc.include" else {
                config.entries.append(LXCConfigEntry(key: key, value: value, file: file, line: offset + 1))
                continue
            }
            // Bounded: a config that includes itself stops here instead of looping.
            guard depth < 8 else {
                config.problems.append("\(file):\(offset + 1): includes nested deeper than 8, \(value) skipped")
                continue
            }
            switch load(value) {
            case .file(let included):
                append(included, file: value, depth: depth + 1, load: load, into: &config)
            case .directory(let names):
                for name in names.filter({ $0.hasSuffix(".conf") }).sorted() {
                    let path = value.hasSuffix("/") ? value + name : value + "/" + name
                    if case .file(let included) = load(path) {
                        append(included, file: path, depth: depth + 1, load: load, into: &config)
                    }
                }
            case nil:
                config.problems.append("\(file):\(offset + 1): cannot read included \(value)")
            }
        }
    }

    /// LXC accepts values in double or single quotes (`lxc.uts.name = "ct1"`) and strips them.
    private static func unquoted(_ value: String) -> String {
        guard value.count >= 2, let first = value.first, first == value.last, first == "\"" || first == "'" else {
            return value
        }
        return String(value.dropFirst().dropLast())
    }
}

/// What an `lxc.include` names: a file's text, or a directory's entries.
package enum IncludedConfig: Sendable, Hashable {
    case file(String)
    case directory([String])
}

extension StringProtocol {
    fileprivate func trimmingWhitespace() -> String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" || first == "\r" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" || last == "\r" { slice = slice.dropLast() }
        return String(slice)
    }
}
