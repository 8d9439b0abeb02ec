import ArgumentParser
import Lab

extension LXCDiag {
    /// `lxcdiag lab up | down | status`.
    struct LabCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "lab",
            abstract: "Build, inspect and remove the built-in lab (outside world, host, veth and macvlan containers).",
            discussion: """
                The lab lives entirely in network namespaces; the machine's own interfaces are never touched.

                  lxcdiag-ext   switch sw0; the outside client eth0 .1
                  lxcdiag-host  br0 (no address, STP off), its uplink em1 (no address,
                                promiscuous); em2 .2 on the same segment
                  ct1, ct2      veth veth-ctN on br0, eth0 .11 and .12
                  ct3, ct4      macvlan children of br0, eth0 .13 and .14

                The addresses are in one subnet that overlaps no route or address of the namespace `lab up` \
                runs in: the first free one of 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24 (RFC 5737) and the \
                /24s of 198.18.0.0/15 (RFC 2544), or the one given with `lab up --subnet`. `lab status` shows it.

                With LXC installed ct1..ct4 are LXC containers (busybox template, started inside lxcdiag-host); \
                otherwise, or with --no-lxc, they are plain namespaces lxcdiag-ct1..lxcdiag-ct4. \
                `up` registers the endpoints ext, host and ct1..ct4 in /run/lxcdiag/endpoints.json, so that \
                later commands accept `--from ext --to ct1` without further flags.

                LXC's command socket is abstract, so it lives in lxcdiag-host: run LXC's own tools there, e.g. \
                `ip netns exec lxcdiag-host lxc-ls -f` or `ip netns exec lxcdiag-host lxc-attach -n ct1`.

                Example:
                  lxcdiag lab up && lxcdiag lab status && lxcdiag lab down
                """,
            subcommands: [Up.self, Down.self, Status.self, LabBreak.self, LabFix.self]
        )
    }
}

/// The lab's name, shared by the lab subcommands.
struct LabNameOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Build a separate lab whose namespaces are <name>-ext, <name>-host... (lowercase, digits, dashes).",
            discussion: "Tests use it to run isolated labs side by side. Its endpoints go to "
                + "/run/lxcdiag/labs/<name>.endpoints.json instead of the default endpoint file.",
            valueName: "name"
        ),
        completion: Completions.labs
    )
    var name = LabConfiguration.defaultName

    func validate() throws {
        do { try LabConfiguration(name: name).validate() } catch { throw ValidationError("\(error)") }
    }
}

extension LabAddressing {
    /// Parses `--subnet`, naming what is wrong with the text.
    static func argument(_ text: String) throws -> LabAddressing {
        do { return try LabAddressing(parsing: text) } catch { throw ValidationError("\(error)") }
    }
}

extension LabBackend {
    /// Parses `--engine`: the backends that are another engine's containers.
    static func engineArgument(_ text: String) throws -> LabBackend {
        guard let backend = LabBackend(rawValue: text), backend.engine != nil else {
            let accepted = allCases.compactMap(\.engine).joined(separator: ", ")
            throw ValidationError("unknown engine '\(text)'; use one of \(accepted)")
        }
        return backend
    }
}

extension MacvlanMode {
    /// Parses `--macvlan-mode`, naming the accepted values when the word is not one of them.
    static func argument(_ text: String) throws -> MacvlanMode {
        guard let mode = MacvlanMode(rawValue: text) else {
            let accepted = allCases.map(\.rawValue).joined(separator: ", ")
            throw ValidationError("unknown macvlan mode '\(text)'; use one of \(accepted)")
        }
        return mode
    }
}
