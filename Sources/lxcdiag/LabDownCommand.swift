import ArgumentParser
import Lab

extension LXCDiag.LabCommand {
    /// `lxcdiag lab down`.
    struct Down: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove the lab: its LXC containers, namespaces and endpoints.",
            discussion: """
                Removes exactly what the lab recorded in /run/lxcdiag/labs/<name>.json, also after an `up` \
                that failed half way, and the LXC containers it marked as its own if a reboot wiped that record. With no \
                lab there it does nothing and exits 0.

                Example:
                  lxcdiag lab down
                """
        )

        @OptionGroup(title: "Advanced options")
        var lab: LabNameOptions

        func run() throws {
            try reportingErrors {
                try requireRoot("lxcdiag lab down")
                let lab = Lab(LabConfiguration(name: lab.name))
                guard let removed = try lab.down() else {
                    print("lab \(lab.configuration.name): nothing to remove")
                    return
                }
                var parts: [String] = []
                if !removed.namespaces.isEmpty {
                    parts.append("namespaces " + removed.namespaces.joined(separator: ", "))
                }
                if !removed.containers.isEmpty {
                    parts.append("LXC containers " + removed.containers.joined(separator: ", "))
                }
                parts.append("endpoints in \(removed.endpointsPath)")
                print("lab \(lab.configuration.name): removed " + parts.joined(separator: "; "))
            }
        }
    }
}
