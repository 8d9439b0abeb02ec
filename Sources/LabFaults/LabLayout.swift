import Foundation
package import Lab
import LinuxNet

/// Where the pieces of a lab live, from its name: `NAME-ext`, `NAME-host`, and the containers (LXC containers
/// started inside `NAME-host`, or plain namespaces `NAME-ct1`... with `lab up --no-lxc`).
package struct LabLayout: Sendable, Hashable {
    /// The lab's name, `lxcdiag` unless a test chose another.
    package var name: String
    /// Where named namespaces live (`/run/netns`).
    package var netnsDirectory: String
    /// The lab's subnet and addresses, as `lab up` recorded them.
    package var addressing: LabAddressing
    /// How the lab's containers were made, as `lab up` recorded it (nil: look for namespaces, then LXC).
    package var backend: LabBackend?
    /// Where the lab's record is (an engine lab's daemon state lives next to it).
    package var stateDirectory: String

    package init(
        name: String = "lxcdiag",
        netnsDirectory: String = "/run/netns",
        addressing: LabAddressing = .legacy,
        backend: LabBackend? = nil,
        stateDirectory: String = LabConfiguration.defaultStateDirectory
    ) {
        self.name = name
        self.netnsDirectory = netnsDirectory
        self.addressing = addressing
        self.backend = backend
        self.stateDirectory = stateDirectory
    }

    /// The layout of lab `name` with the subnet its state file records; throws when the lab was never built.
    package static func recorded(
        name: String,
        stateDirectory: String = LabConfiguration.defaultStateDirectory
    ) throws(LabFaultError) -> LabLayout {
        let path = LabConfiguration(name: name, stateDirectory: stateDirectory).statePath
        let state: LabState?
        do { state = try LabState.load(from: path) } catch { throw LabFaultError("\(error)") }
        guard let state else {
            let flag = name == LabConfiguration.defaultName ? "" : " --name \(name)"
            throw LabFaultError("lab \(name) is not up (no \(path)); build it with `lxcdiag lab up\(flag)`")
        }
        return LabLayout(
            name: name,
            addressing: state.addressing,
            backend: state.backend,
            stateDirectory: stateDirectory
        )
    }

    /// The outside client's namespace.
    package var ext: String { "\(name)-ext" }
    /// The container host's namespace (br0, em1, em2, the host ends of the veths).
    package var host: String { "\(name)-host" }

    /// The command line that runs `command` inside the namespace `netns`.
    package func inNamespace(_ netns: String, _ command: [String]) -> [String] {
        ["ip", "netns", "exec", netns] + command
    }

    /// The command line that runs `command` (a host tool) in container `container`'s network namespace.
    ///
    /// A plain-namespace lab has `NAME-ctN`; otherwise the LXC container's init is asked for with `lxc-info`
    /// inside the host namespace (LXC's command socket is abstract, so it lives there), and the tool runs
    /// through `nsenter`. Host tools are used because the busybox containers have no `nft`.
    package func inContainer(_ container: String, _ command: [String]) throws(LabFaultError) -> [String] {
        if let engine = backend?.engine {
            let lab = Lab(LabConfiguration(name: name, backend: backend, stateDirectory: stateDirectory))
            guard let pid = lab.engineContainerPID(container) else {
                throw LabFaultError("\(engine) container \(container) of lab \(name) is not running")
            }
            return ["nsenter", "--net=/proc/\(pid)/ns/net"] + command
        }
        let plain = "\(name)-\(container)"
        if FileManager.default.fileExists(atPath: "\(netnsDirectory)/\(plain)") {
            return inNamespace(plain, command)
        }
        let candidates = name == "lxcdiag" ? [container, plain] : [plain, container]
        for candidate in candidates {
            let output = try? ExternalCommand.run(inNamespace(host, ["lxc-info", "-n", candidate, "-p", "-H"]))
            if let output, output.status == 0,
                let pid = Int32(output.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines))
            {
                return ["nsenter", "--net=/proc/\(pid)/ns/net"] + command
            }
        }
        throw LabFaultError("container \(container) of lab \(name) is not running (lxcdiag lab up --name \(name))")
    }

    /// What `ip link set ... netns X` takes for container `container`'s namespace: the netns name of a
    /// plain-namespace lab, or the LXC container init's PID.
    package func namespaceReference(_ container: String) throws(LabFaultError) -> String {
        let command = try inContainer(container, [])
        // nsenter --net=/proc/PID/ns/net: the PID follows "proc".
        if command.first == "nsenter", let path = command.last {
            let parts = path.split(separator: "/")
            if let index = parts.firstIndex(of: "proc"), index + 1 < parts.count { return String(parts[index + 1]) }
        }
        return "\(name)-\(container)"
    }

    /// Whether the lab is up: its host namespace exists.
    package var exists: Bool { FileManager.default.fileExists(atPath: "\(netnsDirectory)/\(host)") }
}

/// A lab fault that cannot be made or undone, with the thing that failed.
package struct LabFaultError: Error, Sendable, CustomStringConvertible {
    package var description: String

    package init(_ description: String) { self.description = description }
}
