/// Kernel text symbols from /proc/kallsyms, to name a drop location the kernel printed as a raw address.
///
/// Kernels since 5.17 print `location` with `%pS` (`nft_do_chain+0x3e8/0x610`) and need no table; older
/// ones print `%p`, which is only useful unhashed (the `nohash-ptr` trace option) and with kallsyms readable
/// (root, `kptr_restrict` < 2).
package struct KernelSymbols: Sendable {
    private let starts: [UInt64]
    private let names: [String]

    /// Parses `/proc/kallsyms` text: `ADDRESS TYPE NAME [MODULE]` per line; keeps text symbols only.
    package init(kallsyms: String) {
        var entries: [(UInt64, String)] = []
        for line in kallsyms.split(separator: "\n") {
            let fields = line.split(separator: " ", maxSplits: 3)
            guard fields.count >= 3, "tTwW".contains(fields[1]), let address = UInt64(fields[0], radix: 16),
                address != 0
            else { continue }
            entries.append((address, String(fields[2].split(separator: "\t").first ?? fields[2])))
        }
        entries.sort { $0.0 < $1.0 }
        starts = entries.map(\.0)
        names = entries.map(\.1)
    }

    /// The running kernel's table; empty when /proc/kallsyms is unreadable or shows only zero addresses.
    package static func running() -> KernelSymbols {
        KernelSymbols(kallsyms: (try? TracefsFiles.read("/proc/kallsyms")) ?? "")
    }

    /// Whether the table holds any symbol (kallsyms shows zeros to unprivileged readers).
    package var isEmpty: Bool { starts.isEmpty }

    /// `symbol+0xOFFSET` for an address, or nil when it lies below every symbol.
    package func name(of address: UInt64) -> String? {
        var low = 0
        var high = starts.count
        while low < high {
            let middle = (low + high) / 2
            if starts[middle] <= address { low = middle + 1 } else { high = middle }
        }
        guard low > 0 else { return nil }
        return "\(names[low - 1])+0x\(String(address - starts[low - 1], radix: 16))"
    }

    /// `location` as printed by the kernel, named if it is a raw address this table can resolve.
    package func resolve(location: String) -> String {
        var digits = Substring(location)
        if digits.hasPrefix("0x") { digits = digits.dropFirst(2) }
        guard digits.count >= 8, digits.allSatisfy(\.isHexDigit), let address = UInt64(digits, radix: 16),
            let name = name(of: address)
        else { return location }
        return name
    }
}
