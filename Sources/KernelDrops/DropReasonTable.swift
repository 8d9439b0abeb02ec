/// The kernel's numbers for its drop reasons, read from the `kfree_skb` format, so that a filter can leave
/// reasons out by number (`reason != 3`): the numbers differ between kernel versions.
///
/// The format prints the reason with `__print_symbolic(REC->reason, { 2, "NOT_SPECIFIED" }, { 3, "NO_SOCKET" },
/// ...)`; a kernel without drop reasons has no such table and gives an empty one.
enum DropReasonTable {
    /// Reason name (without `SKB_DROP_REASON_`) to number, from a `format` file's text.
    static func numbers(in format: String) -> [String: Int] {
        guard let start = format.utf8.firstRange(of: "__print_symbolic(REC->reason".utf8) else { return [:] }
        var table: [String: Int] = [:]
        // Entries are `{ NUMBER, "NAME" }`; nothing else in the list holds braces.
        for entry in format[start.upperBound...].split(separator: "{").dropFirst() {
            guard let close = entry.firstIndex(of: "}") else { continue }
            let parts = entry[..<close].split(separator: ",", maxSplits: 1)
            // Names are C identifiers and numbers plain decimals: dropping spaces and quotes leaves them bare.
            guard parts.count == 2, let number = Int(parts[0].filter { $0 != " " }) else { continue }
            let name = parts[1].filter { $0 != " " && $0 != "\"" }
            guard !name.isEmpty else { continue }
            table[name] = number
        }
        return table
    }
}
