internal import LinuxNet

/// The kernel features a VLAN lab needs, tried for real in a namespace of the lab (a kernel config file may
/// be absent or stale; making the device is the test that cannot lie).
enum KernelFeatures {
    /// Throws `LabError.kernelFeatureMissing` unless the kernel makes 802.1Q subinterfaces and, for every VLAN
    /// lab (the outside switch filters VLANs in both styles), bridges with `vlan_filtering 1`.
    static func requireVLANs(_ style: LabVLANStyle, in namespace: String) throws(LabError) {
        let probe = "lxdkprobe0"
        defer { _ = try? ExternalCommand.check(["ip", "-n", namespace, "link", "del", probe]) }
        do {
            try IPTool.batch(["link add \(probe) type veth peer name lxdkprobe1"], in: namespace)
        } catch {
            throw LabError.stepFailed(step: "probing the kernel for VLAN support", reason: "\(error)")
        }
        do {
            try IPTool.batch(["link add link \(probe) name \(probe).211 type vlan id 211"], in: namespace)
        } catch {
            throw LabError.kernelFeatureMissing(feature: "802.1Q VLANs (CONFIG_VLAN_8021Q, module 8021q)", for: style)
        }
        do {
            try IPTool.batch(
                ["link add lxdkprobebr type bridge vlan_filtering 1", "link del lxdkprobebr"],
                in: namespace
            )
        } catch {
            throw LabError.kernelFeatureMissing(
                feature: "VLAN-filtering bridges (CONFIG_BRIDGE_VLAN_FILTERING)",
                for: style
            )
        }
    }
}
