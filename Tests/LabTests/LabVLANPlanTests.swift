import Foundation
import NetworkModel
import PacketCodec
import TestSupport
import Testing

@testable import Lab

/// The VLAN labs' plan and wiring, read as the `ip`/`bridge` lines `up` runs (no root needed). They are built
/// for real only in the VM (probes/vm/vlan-suite.sh): this kernel has no 802.1Q.
@Suite("Lab VLAN plan and wiring (no root needed)")
struct LabVLANPlanTests {
    private func plan(_ style: LabVLANStyle?) -> LabPlan {
        LabPlan(
            configuration: LabConfiguration(name: "lxcdiag-tv", vlan: style),
            backend: .namespaces,
            addressing: testNet
        )
    }

    @Test("--vlan: em1.211 and em1.103 are br0's ports, em1 itself is not; a second client on VLAN 103")
    func subinterfaces() {
        let plan = plan(.subinterfaces)
        let host = LabWiring.host(plan)
        #expect(host.contains("link add link em1 name em1.211 mtu 1500 type vlan id 211"))
        #expect(host.contains("link add link em1 name em1.103 mtu 1500 type vlan id 103"))
        #expect(host.contains("link set em1.211 master br0") && host.contains("link set em1.103 master br0"))
        #expect(!host.contains("link set em1 master br0"))
        #expect(LabWiring.hostVLANs(plan).isEmpty)
        #expect(plan.namespaces.prefix(3) == ["lxcdiag-tv-ext", "lxcdiag-tv-host", "lxcdiag-tv-ext103"])
        let ext103 = plan.endpoints.first { $0.name == "ext103" }
        #expect(ext103?.netns == "lxcdiag-tv-ext103" && ext103?.ip == IPv4Address(198, 51, 100, 3))
    }

    @Test("the outside switch filters VLANs: the trunk sw-em1 tagged 211 and 103, each client an access port")
    func outsideSwitch() {
        for style in LabVLANStyle.allCases {
            let plan = plan(style)
            #expect(
                LabWiring.external(plan).contains { $0.hasPrefix("link add sw0") && $0.hasSuffix("vlan_filtering 1") }
            )
            let vlans = LabWiring.externalVLANs(plan)
            #expect(vlans.contains("vlan add dev sw-em1 vid 211") && vlans.contains("vlan add dev sw-em1 vid 103"))
            #expect(vlans.contains("vlan add dev sw-cli vid 211 pvid untagged"))
            #expect(vlans.contains("vlan add dev sw-cli103 vid 103 pvid untagged"))
            #expect(!vlans.contains { $0.hasPrefix("vlan add dev sw-em1") && $0.contains("pvid") })
        }
    }

    @Test("--vlan-aware: em1 in br0 with vlan_filtering 1, tagged 211 and 103; veth-ct2 on 103, veth-ct1 on 211")
    func vlanAware() {
        let plan = plan(.vlanAware)
        let host = LabWiring.host(plan)
        #expect(host.contains("link add br0 mtu 1500 type bridge stp_state 0 forward_delay 0 vlan_filtering 1"))
        #expect(host.contains("link set em1 master br0"))
        #expect(!host.contains { $0.contains("type vlan") })
        let vlans = LabWiring.hostVLANs(plan)
        #expect(vlans.contains("vlan add dev em1 vid 211") && vlans.contains("vlan add dev em1 vid 103"))
        #expect(vlans.contains("vlan add dev veth-ct1 vid 211 pvid untagged"))
        #expect(vlans.contains("vlan add dev veth-ct2 vid 103 pvid untagged"))
        #expect(vlans.contains("vlan add dev br0 vid 211 pvid untagged self"))
        #expect(plan.endpoints.first { $0.name == "ct2" }?.note?.hasSuffix("VLAN 103") == true)
    }

    @Test("the untagged lab is unchanged: no ext103, no VLAN lines")
    func untagged() {
        let plan = plan(nil)
        #expect(plan.namespaces.count == 6)
        #expect(!plan.endpoints.contains { $0.name == "ext103" })
        #expect(LabWiring.externalVLANs(plan).isEmpty && LabWiring.hostVLANs(plan).isEmpty)
        #expect(LabWiring.external(plan).allSatisfy { !$0.contains("vlan") })
    }

    @Test("the state records the VLAN style, and the plan made from it has it again")
    func stateRoundTrip() throws {
        let state = LabState(plan: plan(.vlanAware))
        let decoded = try JSONDecoder().decode(LabState.self, from: try JSONEncoder().encode(state))
        #expect(decoded.vlan == .vlanAware)
        #expect(decoded.plan(stateDirectory: "/tmp").configuration.vlan == .vlanAware)
    }

    @Test(
        "lab up --vlan where the kernel has no 802.1Q: one line naming the feature, exit 3, nothing left",
        .enabled(if: getuid() == 0 && !kernelHas8021Q, "needs root and a kernel without 802.1Q")
    )
    func missingKernelFeature() throws {
        let result = try LXCDiagExecutable.run(["lab", "up", "--no-lxc", "--vlan", "--name", "lxcdiag-tvk"])
        #expect(result.status == 3)
        #expect(result.error.hasPrefix("lxcdiag: this kernel lacks 802.1Q VLANs"), "\(result.error)")
        #expect(result.error.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: "/run/netns/lxcdiag-tvk-host"))
    }
}

/// Whether this kernel has 802.1Q: loaded (`/proc/net/vlan`) or loadable (the module is installed for it).
let kernelHas8021Q: Bool = {
    if FileManager.default.fileExists(atPath: "/proc/net/vlan") { return true }
    var name = utsname()
    uname(&name)
    let release = withUnsafeBytes(of: &name.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    return FileManager.default.fileExists(atPath: "/lib/modules/\(release)/kernel/net/8021q")
}()
