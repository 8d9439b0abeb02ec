import Foundation
internal import LinuxNet

/// The lab's listener: a small server in ct1's network namespace, so `trace --tcp`/`--udp` have something to
/// reach. It accepts TCP connections on `port` (and closes them) and echoes UDP datagrams on the same port.
///
/// A host `python3` run through `ip netns exec` or `nsenter --net` (the busybox containers' `nc` cannot echo
/// UDP), detached with `setsid -f`, so it outlives `lab up`; it writes its PID to `pidPath` once both sockets
/// listen. Nothing stops it when its namespace goes (a process keeps a namespace alive), so `lab down` stops
/// it by that PID, after checking the PID still runs this script.
package struct LabListener: Sendable, Hashable {
    /// The port both servers listen on.
    package static let port: UInt16 = 443
    /// The container it runs in.
    package static let container = "ct1"

    package var scriptPath: String
    package var pidPath: String

    package init(configuration: LabConfiguration) {
        let base = "\(configuration.stateDirectory)/\(configuration.name)"
        scriptPath = base + ".listener.py"
        pidPath = base + ".listener.pid"
    }

    /// The command line that starts the listener, where `prefix` enters ct1's namespace; it returns at once.
    package func startCommand(in prefix: [String]) -> [String] {
        ["setsid", "-f"] + prefix + ["/usr/bin/python3", scriptPath, pidPath, "\(Self.port)"]
    }

    /// Writes the script and starts the listener, waiting (at most 15 s: python3 starts in seconds in the
    /// software-emulated VM of probes/vm.sh) until it listens.
    func start(in prefix: [String]) throws {
        try? FileManager.default.removeItem(atPath: pidPath)
        try Self.script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
        try ExternalCommand.check(startCommand(in: prefix))
        let deadline = monotonicNanoseconds() + 15_000_000_000
        while runningPID == nil {
            guard monotonicNanoseconds() < deadline else {
                throw LabError.stepFailed(step: "starting the lab listener", reason: "no PID in \(pidPath) after 15 s")
            }
            usleep(10_000)
        }
    }

    /// The listener's PID when it runs: the PID file's, if that process runs this script.
    package var runningPID: Int32? {
        guard let text = try? String(contentsOfFile: pidPath, encoding: .utf8),
            let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)),
            let commandLine = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"),
            String(decoding: commandLine, as: UTF8.self).contains(scriptPath)
        else { return nil }
        return pid
    }

    /// Stops the listener if it runs (waiting at most 1 s for it to go) and removes its files.
    func stop() {
        if let pid = runningPID {
            kill(pid, SIGTERM)
            let deadline = monotonicNanoseconds() + 1_000_000_000
            while runningPID != nil, monotonicNanoseconds() < deadline { usleep(5_000) }
        }
        try? FileManager.default.removeItem(atPath: pidPath)
        try? FileManager.default.removeItem(atPath: scriptPath)
    }

    static let script = """
        # lxcdiag lab listener: accepts TCP on the port and closes, echoes UDP on the port.
        import os, socket, sys, threading
        pid_path, port = sys.argv[1], int(sys.argv[2])
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        tcp.bind(("0.0.0.0", port))
        tcp.listen(64)
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.bind(("0.0.0.0", port))
        with open(pid_path + ".new", "w") as f:
            f.write(str(os.getpid()))
        os.rename(pid_path + ".new", pid_path)
        def echo():
            while True:
                data, peer = udp.recvfrom(4096)
                udp.sendto(data, peer)
        threading.Thread(target=echo, daemon=True).start()
        while True:
            connection, _ = tcp.accept()
            connection.close()

        """
}
