import Foundation
internal import PacketCodec

/// LXD's containers. LXD runs each container through liblxc with its own lxcpath, so its monitor reads
/// `[lxc monitor] /var/lib/lxd/containers NAME` (snap: /var/snap/lxd/common/lxd/containers; Incus:
/// /var/lib/incus/containers), and the config LXD generated for liblxc is the container's log folder's lxc.conf
/// (/var/log/lxd/NAME/lxc.conf), with the usual `lxc.net.N.*` keys. A container of a project other than
/// `default` is named `PROJECT_NAME` there, and so here.
package enum LXDEngine {
    /// An lxcpath LXD (or Incus) runs its containers under, with the folder of its lxc.conf files.
    package struct Installation: Sendable, Hashable {
        package var containers: String
        package var logs: String

        package init(containers: String, logs: String) {
            self.containers = containers
            self.logs = logs
        }
    }

    package static let defaultInstallations = [
        Installation(containers: "/var/lib/lxd/containers", logs: "/var/log/lxd"),
        Installation(containers: "/var/snap/lxd/common/lxd/containers", logs: "/var/snap/lxd/common/lxd/logs"),
        Installation(containers: "/var/lib/incus/containers", logs: "/var/log/incus"),
    ]

    /// The installation whose containers folder is `lxcpath`, nil for a plain LXC lxcpath.
    package static func installation(
        forLXCPath lxcpath: String,
        among installations: [Installation] = defaultInstallations
    ) -> Installation? {
        let trimmed = lxcpath.hasSuffix("/") ? String(lxcpath.dropLast()) : lxcpath
        return installations.first { $0.containers == trimmed }
    }

    /// The container `name` running with `pid`, its networks read from `lxcConf` (the text of its lxc.conf).
    static func container(name: String, pid: Int32?, lxcConf: String?, source: String) -> EngineContainer {
        let config = lxcConf.map { LXCConfig.parse($0, file: source) }
        let networks = (config?.networks ?? []).filter { $0.type != nil && $0.type != "empty" && $0.type != "none" }
            .map { declaration in
                EngineNetwork(
                    name: declaration.link ?? "eth\(declaration.index)",
                    driver: declaration.type,
                    interface: declaration.name,
                    hostInterface: declaration.link,
                    mac: declaration.mac,
                    ipv4: declaration.ipv4Networks.first
                )
            }
        return EngineContainer(engine: .lxd, name: name, id: name, pid: pid, networks: networks, source: source)
    }

    /// The container `name` of `installation`, reading its lxc.conf from disk.
    static func container(name: String, pid: Int32?, installation: Installation) -> EngineContainer {
        let path = "\(installation.logs)/\(name)/lxc.conf"
        let text = FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
        return container(name: name, pid: pid, lxcConf: text, source: path)
    }
}
