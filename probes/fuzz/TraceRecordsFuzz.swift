// libFuzzer entry for the tracefs decoders: trace_pipe lines (TraceRecord), the drop matcher they feed, and the
// /proc/kallsyms table that names raw drop locations. run.sh compiles it in one module with KernelDrops'
// TraceRecord, KernelDrop, DropMatcher and KernelSymbols (the files that open tracefs need Glibc and LinuxNet,
// so KernelSymbols' `running()` reader is cut out). Imports stripped.

/// What the recorder watches in the recorded fixture (1027-byte frames) plus the shortest frame.
private let signature = DropSignature(frameLengths: [60, 1027])

/// Feeds arbitrary text to the decoders line by line, as `TracePipeReader` hands lines to `DropRecorder`; a
/// crash, a trap or a drop that breaks the matcher's promises is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTraceRecords(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    let text = String(decoding: bytes, as: UTF8.self)
    let symbols = KernelSymbols(kallsyms: text)
    var matcher = DropMatcher(signature: signature)
    var lost = 0
    for line in text.split(separator: "\n").prefix(512) {
        guard let record = TraceRecord(line: line) else { continue }
        // The kernel pads the task column with spaces; more of them change nothing.
        require(TraceRecord(line: Substring("   " + line)) == record, "leading spaces changed the record")
        switch record {
        case .lost(let cpu, let count):
            require(cpu >= 0 && count >= 0, "negative CPU or count in a LOST line")
            lost = lost.addingReportingOverflow(count).overflow ? Int.max : lost + count
        case .drop(let event):
            // A raw address resolves to a symbol; anything else is passed through unchanged.
            let named = symbols.resolve(location: event.location)
            require(named == event.location || named.contains("+0x"))
        case .packet, .clock:
            break
        }
        if let drop = matcher.consume(record) {
            require(signature.frameLengths.contains(drop.length), "drop of a frame length not watched")
            require(drop.devices.contains(drop.device), "drop on a device the buffer never passed")
            require(!drop.function.contains("+"))
        }
    }
    require(matcher.lostEvents == lost, "lost events miscounted")
    return 0
}
