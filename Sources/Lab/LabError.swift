/// Why a lab could not be built, inspected or removed.
package enum LabError: Error, Sendable, CustomStringConvertible {
    /// The lab name cannot name namespaces and files.
    case invalidName(String)
    /// LXC was asked for but `lxc-create` is not installed.
    case lxcMissing
    /// A namespace with the lab's name exists that this lab did not make.
    case namespaceTaken(String)
    /// An LXC container with the lab's name exists that this lab did not make.
    case containerTaken(String)
    /// `--engine` names an engine whose tools are not installed here.
    case engineMissing(String)
    /// A step of building or removing the lab failed.
    case stepFailed(step: String, reason: String)
    /// The state file cannot be read or written.
    case stateFile(path: String, reason: String)
    /// The build was interrupted (Ctrl-C) and has been undone.
    case interrupted
    /// `--subnet` is not an IPv4 prefix the lab can use.
    case invalidSubnet(String, reason: String)
    /// The chosen subnet overlaps a route or address of the namespace `lab up` runs in.
    case subnetOverlaps(subnet: String, with: String)
    /// Every candidate subnet overlaps a route or address here.
    case noFreeSubnet
    /// `--vlan` or `--vlan-aware` on a kernel that cannot make what the VLAN lab needs.
    case kernelFeatureMissing(feature: String, for: LabVLANStyle)
    /// Another `lab up` or `lab down` of the same lab kept running for too long.
    case busy(String)

    package var description: String {
        switch self {
        case .invalidName(let name):
            "lab name '\(name)' is not valid: use up to 40 lowercase letters, digits and inner dashes"
        case .lxcMissing:
            "LXC is not installed (lxc-create not found); install it with `apt-get install lxc busybox-static`, "
                + "or use --no-lxc for plain namespaces"
        case .engineMissing(let engine):
            "\(engine) is not installed (\(engine == "docker" ? "dockerd and docker" : "podman and runc") not found); "
                + "install it (Debian: `apt-get install \(engine == "docker" ? "docker.io" : "podman runc")`), "
                + "or leave out --engine"
        case .namespaceTaken(let name):
            "network namespace \(name) exists but was not made by this lab; remove it with `ip netns del \(name)` "
                + "or pick another lab with --name"
        case .containerTaken(let name):
            "LXC container \(name) exists but was not made by this lab; remove it with `lxc-destroy -f -n \(name)` "
                + "or pick another lab with --name"
        case .stepFailed(let step, let reason):
            "\(step) failed: \(reason)"
        case .stateFile(let path, let reason):
            "lab state file \(path): \(reason)"
        case .interrupted:
            "interrupted; everything the lab had made was removed"
        case .invalidSubnet(let text, let reason):
            "subnet '\(text)' cannot be used: \(reason)"
        case .subnetOverlaps(let subnet, let other):
            "subnet \(subnet) overlaps \(other) in the namespace lab up runs in; pick another with --subnet "
                + "(for example 198.51.100.0/24, 203.0.113.0/24 or 198.18.5.0/24)"
        case .noFreeSubnet:
            "every candidate subnet (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 198.18.0.0/15) overlaps a "
                + "route or address here; give one with --subnet"
        case .kernelFeatureMissing(let feature, let style):
            "this kernel lacks \(feature), which `lab up --\(style == .vlanAware ? "vlan-aware" : "vlan")` needs; "
                + "run it on a kernel that has it (probes/vm.sh boots one)"
        case .busy(let name):
            "another `lxcdiag lab up` or `lab down` of lab \(name) is still running; wait for it and try again"
        }
    }
}
