import ArgumentParser
import Foundation
import Lab
import NetworkModel

extension LXCDiag.LabCommand {
    /// `lxcdiag lab up`.
    struct Up: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build the lab (or complete a half-made one) and register its endpoints.",
            discussion: """
                Idempotent: a complete lab with the same options is left as it is; a half-made one, or one \
                built with other options, is removed and built again. `up` refuses (exit 3) to touch a \
                namespace or LXC container of the lab's names that it did not make. If it fails, or you press \
                Ctrl-C, everything it made is removed again.

                The lab's subnet is the first of 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24 and the /24s of \
                198.18.0.0/15 that overlaps no route or address of the namespace `up` runs in (the default route \
                aside) and no other lab's; --subnet names one, and `up` refuses one that overlaps (exit 3). \
                A lab that is already up keeps its subnet unless --subnet names another.

                passthru lets a parent have one macvlan child only, so with --macvlan-mode passthru the lab \
                builds ct3 and no ct4.

                --vlan builds the seed's VLAN wiring: the outside switch sw0 carries VLANs 211 and 103 tagged \
                on the trunk to em1, the host has em1.211 and em1.103 in br0, the client ext is on VLAN 211 and \
                ext103 on VLAN 103. --vlan-aware builds it the Proxmox/Incus way instead: em1 itself in a br0 \
                with vlan_filtering 1, em1 tagged 211 and 103, veth-ct2 an access port of 103, the other \
                containers of 211. Both need a kernel with 802.1Q and VLAN filtering (exit 3 naming the missing \
                one otherwise; probes/vm.sh boots such a kernel).

                --engine docker builds the same wiring with Docker containers: the lab runs its own dockerd \
                inside the host namespace (all its state under /run/lxcdiag/labs/NAME.docker), ct1 and ct2 on a \
                Docker bridge network whose bridge is br0, ct3 and ct4 on a Docker macvlan network on br0. They \
                are registered as ct1..ct4 (kind docker) and also answer to Docker's own names \
                (docker:NAME-ct1, or docker:ct1 in the default lab). Without --engine a lab that is up keeps its \
                kind of containers; otherwise LXC as above. `up` says on stderr which step it is in when one \
                takes more than a second. --engine podman does the same with Podman (runc, netavark) and its \
                state under /run/lxcdiag/labs/NAME.podman.

                Examples:
                  lxcdiag lab up
                  lxcdiag lab up --engine docker --name lxcdiag-d
                  lxcdiag lab up --no-lxc --macvlan-mode private
                  lxcdiag lab up --subnet 203.0.113.0/24
                  lxcdiag lab up --no-lxc --vlan
                """
        )

        @Option(
            help: "Mode of the macvlan children ct3 and ct4: bridge, private, vepa or passthru (ct3 only).",
            transform: MacvlanMode.argument
        )
        var macvlanMode: MacvlanMode = .bridge

        @Flag(
            inversion: .prefixedNo,
            help: ArgumentHelp(
                "Use real LXC containers (--lxc, fails if LXC is missing) or plain namespaces (--no-lxc). "
                    + "Default: LXC when lxc-create is installed."
            )
        )
        var lxc: Bool?

        @Option(
            help: ArgumentHelp(
                "The lab's IPv4 subnet, /8 to /26 (default: the first free documentation or benchmarking /24).",
                valueName: "cidr"
            ),
            transform: LabAddressing.argument
        )
        var subnet: LabAddressing?

        @Flag(help: "Carry VLANs 211 and 103 to br0 the seed's way: em1.211 and em1.103 in br0.")
        var vlan = false

        @Flag(help: "Carry VLANs 211 and 103 on a VLAN-aware br0 (vlan_filtering 1, a PVID per port).")
        var vlanAware = false

        @Option(
            help: ArgumentHelp(
                "Make ct1..ct4 another engine's containers: docker or podman (exit 3 if it is not installed).",
                valueName: "engine"
            ),
            transform: LabBackend.engineArgument
        )
        var engine: LabBackend?

        @OptionGroup(title: "Advanced options")
        var lab: LabNameOptions

        func validate() throws {
            if vlan, vlanAware { throw ValidationError("--vlan and --vlan-aware exclude each other; pick one") }
            if engine != nil, lxc != nil { throw ValidationError("--engine and --lxc/--no-lxc exclude each other") }
            if engine != nil, vlan || vlanAware {
                throw ValidationError("--engine builds the untagged lab only; leave out --vlan and --vlan-aware")
            }
        }

        func run() throws {
            try reportingErrors {
                try requireRoot("lxcdiag lab up")
                let backend: LabBackend? = engine ?? lxc.map { $0 ? .lxc : .namespaces }
                let lab = Lab(
                    LabConfiguration(
                        name: lab.name,
                        macvlanMode: macvlanMode,
                        backend: backend,
                        subnet: subnet,
                        vlan: vlan ? .subinterfaces : vlanAware ? .vlanAware : nil
                    )
                )
                let result: Lab.UpResult
                do {
                    result = try lab.up(
                        progress: LabProgress { line in FileHandle.standardError.write(Data((line + "\n").utf8)) }
                    )
                } catch LabError.interrupted {
                    // Only a termination signal interrupts a build; its handler sets the status (130 or 143).
                    throw ExitCode(130)
                }
                let verb =
                    switch result.outcome {
                    case .built: "built"
                    case .rebuilt: "rebuilt"
                    case .alreadyUp: "already up, left as it was"
                    }
                print("lab \(lab.configuration.name): \(verb) in \(String(format: "%.2f", result.seconds)) s")
                print(result.status.report)
                let names = result.endpoints.endpoints.map(\.name).joined(separator: ", ")
                print("endpoints \(names) registered in \(lab.configuration.endpointsPath)")
                if !result.status.isComplete { throw ExitCode(ExitStatus.checkFailed.rawValue) }
            }
        }
    }
}
