internal import CPcap
internal import CPcapRuntime
import Foundation

/// Reads a capture file, pcap or pcapng (what tcpdump `-w`, tshark, dumpcap and `lxcdiag trace --pcap` write),
/// through libpcap itself, so every variant libpcap reads is read (byte orders, micro- or nanosecond stamps).
///
/// libpcap gives one link type per file; `linkType` names it (1 Ethernet, 113 Linux cooked from `tcpdump -i
/// any`, 276 its second version). Safe to share only from one thread at a time: the handle is not locked.
package final class CaptureFileReader {
    /// The file's link type (LINKTYPE_* numbers).
    package let linkType: Int
    private let path: String
    private let handle: OpaquePointer

    /// Opens `path`; errors are `PcapError`s naming the file (missing, not a capture file, libpcap missing).
    package init(path: String) throws(PcapError) {
        var errorBuffer = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        guard CPcapRuntime_load(&errorBuffer, errorBuffer.count) == 0 else {
            throw PcapError(kind: .libraryMissing, interface: path, message: String(pcapMessage: errorBuffer))
        }
        guard let opened = CPcapRuntime_open_offline_nano(path, &errorBuffer) else {
            throw PcapError(kind: .unreadableFile, interface: path, message: String(pcapMessage: errorBuffer))
        }
        handle = opened
        self.path = path
        linkType = Int(CPcapRuntime_datalink(opened))
    }

    deinit { CPcapRuntime_close(handle) }

    /// The next frame, nil at the end of the file; throws when the file is cut short or corrupt.
    package func next() throws(PcapError) -> CapturedFrame? {
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        let status = CPcapRuntime_next_ex(handle, &header, &data)
        switch status {
        case 1:
            guard let header, let data else { return nil }
            let length = Int(header.pointee.caplen)
            return CapturedFrame(
                timestampNs: UInt64(header.pointee.ts.tv_sec) * 1_000_000_000 + UInt64(header.pointee.ts.tv_usec),
                bytes: Array(UnsafeBufferPointer(start: data, count: length)),
                originalLength: Int(header.pointee.len)
            )
        case PCAP_ERROR_BREAK:
            return nil
        default:
            let message = CPcapRuntime_geterr(handle).map { String(cString: $0) } ?? "read failed"
            throw PcapError(kind: .unreadableFile, interface: path, message: message)
        }
    }
}
