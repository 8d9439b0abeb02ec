internal import CLinuxNet
import Foundation
import Glibc

/// The local syslog socket, written as glibc's syslog(3) writes it: one RFC 3164 datagram per message on the
/// Unix datagram socket /dev/log. lxcdiag opens its own socket rather than calling syslog(3) so the path can be
/// named (`LXCDIAG_SYSLOG_SOCKET`), which lets a test read what was logged without a syslog daemon.
/// Safe to share: `send` is one `send(2)` of a whole datagram, which the kernel delivers atomically.
package final class SyslogSocket: @unchecked Sendable {
    /// Where syslog(3) writes.
    package static let defaultPath = "/dev/log"

    /// RFC 5424's severities (the low three bits of a message's priority).
    package enum Severity: Int, Sendable {
        case warning = 4
        case notice = 5
        case info = 6
    }

    /// LOG_DAEMON, arpwatch's facility.
    package static let daemonFacility = 3

    package let path: String
    private let tag: String
    private let fd: Int32

    /// Connects to `path` (default `$LXCDIAG_SYSLOG_SOCKET`, else /dev/log); messages carry `tag[pid]`.
    package init(path: String? = nil, tag: String) throws(SystemError) {
        let chosen =
            path ?? ProcessInfo.processInfo.environment["LXCDIAG_SYSLOG_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
            ?? Self.defaultPath
        self.path = chosen
        self.tag = tag
        fd = try retryingOnInterrupt("connect to syslog socket \(chosen)") { CLinuxNet_unix_datagram_connect(chosen) }
    }

    deinit { Syscall.close(fd) }

    /// Sends `message` at `severity` under LOG_DAEMON, stamped now. A full or vanished syslog socket loses the
    /// message, as syslog(3) does: logging never stops the watch.
    package func send(_ message: String, severity: Severity) {
        let datagram = Self.datagram(
            message,
            priority: Self.daemonFacility * 8 + severity.rawValue,
            tag: tag,
            pid: getpid(),
            epochSeconds: Int(Date().timeIntervalSince1970)
        )
        let bytes = Array(datagram.utf8)
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
    }

    /// One RFC 3164 message as glibc writes it to /dev/log: `<PRI>Mmm dd hh:mm:ss TAG[PID]: MESSAGE`, local time,
    /// the day padded with a space, no host name (the daemon adds it).
    package static func datagram(_ message: String, priority: Int, tag: String, pid: Int32, epochSeconds: Int) -> String
    {
        var seconds = time_t(epochSeconds)
        var parts = tm()
        localtime_r(&seconds, &parts)
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let month = months[Int(parts.tm_mon) % 12]
        let stamp =
            month
            + String(
                format: " %2d %02d:%02d:%02d",
                Int(parts.tm_mday),
                Int(parts.tm_hour),
                Int(parts.tm_min),
                Int(parts.tm_sec)
            )
        return "<\(priority)>\(stamp) \(tag)[\(pid)]: \(message)"
    }
}
