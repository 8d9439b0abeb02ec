import Foundation
import LinuxNet

@testable import Lab

/// A lab with a unique `lxcdiag-t…` name for one test; `tearDown` (called in `defer`) removes it.
struct TestLab {
    let lab: Lab

    init(backend: LabBackend, macvlanMode: MacvlanMode = .bridge) {
        let tag = String(UInt32.random(in: 0..<UInt32.max), radix: 36)
        lab = Lab(LabConfiguration(name: "lxcdiag-t\(tag)", macvlanMode: macvlanMode, backend: backend))
    }

    /// A handle on a lab of a given name (to look for its leftovers).
    init(name: String) {
        lab = Lab(LabConfiguration(name: name))
    }

    var configuration: LabConfiguration { lab.configuration }

    /// Removes the lab; if `down` fails, removes by name whatever is left so no test leaks a namespace.
    func tearDown() {
        if (try? lab.down()) == nil {
            let prefix = configuration.name + "-"
            for namespace in (try? IPTool.namespaces()) ?? [] where namespace.hasPrefix(prefix) {
                _ = try? ExternalCommand.run(["ip", "netns", "del", namespace])
            }
            for container in (try? LXCTool.definedContainers()) ?? [] where container.hasPrefix(prefix) {
                LXCTool.stop(container, in: configuration.hostNamespace)
                _ = try? ExternalCommand.run(["lxc-destroy", "-f", "-n", container])
            }
            LabState.remove(at: configuration.statePath)
        }
    }

    /// The lab's namespaces and LXC containers that exist now (by name), to prove a removal was complete.
    func leftovers() throws -> [String] {
        let prefix = configuration.name + "-"
        let namespaces = try IPTool.namespaces().filter { $0.hasPrefix(prefix) }
        let containers = try LXCTool.definedContainers().filter { $0.hasPrefix(prefix) }
        return (Array(namespaces) + Array(containers)).sorted()
    }
}

/// Whether LXC is installed, for the LXC suites.
let lxcInstalled = ExternalCommand.locate("lxc-create") != nil
