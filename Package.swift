// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "lxcdiag",
    products: [
        .executable(name: "lxcdiag", targets: ["lxcdiag"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2")
    ],
    targets: [
        // C: libpcap's headers (Debian's libpcap-dev). Deliberately without pkgConfig: its `-lpcap` would make
        // the binary need libpcap to start at all; CPcapRuntime loads it at run time instead.
        .systemLibrary(name: "CPcap"),
        // C: what Swift cannot import from the Linux headers (setns, sockaddr_ll, netlink macros).
        .target(
            name: "CLinuxNet",
            cSettings: [.define("_GNU_SOURCE")]
        ),
        // Swift wrappers for the syscalls: namespaces, AF_PACKET sockets, dedicated threads, commands.
        .target(name: "LinuxNet", dependencies: ["CLinuxNet"]),
        // Pure codecs: Ethernet, 802.1Q, ARP, IPv4, ICMP. No I/O.
        .target(name: "PacketCodec"),
        // The one JSON convention of every `--json` document (snake_case, absent is null, a schema key).
        .target(name: "JSONConvention"),
        // libpcap capture inside any namespace, and a pcapng writer.
        // C: libpcap's functions loaded at run time (dlopen), so a machine without libpcap gets lxcdiag's own
        // one-line error and exit 3 instead of a dynamic-loader failure. CPcap supplies the headers.
        .target(name: "CPcapRuntime", dependencies: ["CPcap"], linkerSettings: [.linkedLibrary("dl")]),
        .target(name: "PacketCapture", dependencies: ["CPcapRuntime", "LinuxNet", "PacketCodec"]),
        // Vocabulary shared by topology, trace and diagnosis: endpoints, the endpoint file, hops, findings.
        .target(name: "NetworkModel", dependencies: ["LinuxNet", "PacketCodec"]),
        // The built-in lab: outside world, container host, veth and macvlan containers (LXC or plain netns).
        .target(name: "Lab", dependencies: ["LinuxNet", "Netlink", "PacketCodec", "NetworkModel"]),
        // The kernel's own account of dropped probe frames: a private tracefs instance with skb:kfree_skb.
        .target(name: "KernelDrops", dependencies: ["LinuxNet"]),
        // Per-namespace sysctls (forwarding, rp_filter, ARP) and netfilter hooks that can drop, read from the kernel.
        .target(name: "KernelSettings", dependencies: ["LinuxNet"]),
        // rtnetlink: a NETLINK_ROUTE socket and pure decoding of link, address, route, neighbour messages.
        .target(name: "Netlink", dependencies: ["CLinuxNet"]),
        // The host's layer-2 wiring across namespaces, read through rtnetlink.
        .target(name: "Topology", dependencies: ["Netlink", "LinuxNet", "PacketCodec", "JSONConvention"]),
        // LXC containers (config files, running inits found from any namespace), named namespaces, and the
        // endpoint syntax every command accepts.
        .target(name: "Containers", dependencies: ["LinuxNet", "NetworkModel", "PacketCodec", "Topology"]),
        // The expected path of a frame between two endpoints, computed from the topology model. Pure logic.
        .target(name: "ExpectedPath", dependencies: ["KernelSettings", "PacketCodec", "Topology"]),
        // The trace engine: probes sent from one end, captures on every hop, correlation into a report.
        .target(
            name: "Trace",
            dependencies: [
                "LinuxNet", "PacketCodec", "PacketCapture", "NetworkModel", "KernelDrops", "Netlink", "Topology",
                "JSONConvention",
            ]
        ),
        // The expected path turned into a trace's capture points, and what the path adds to a trace's findings.
        .target(
            name: "PathTrace",
            dependencies: ["ExpectedPath", "LinuxNet", "NetworkModel", "Topology", "Trace"]
        ),
        // The ARP suite: ping, scan, duplicate address detection, announcements and watch, from any namespace.
        .target(name: "ARPSuite", dependencies: ["LinuxNet", "PacketCodec"]),
        // The finding catalogue and the rules that turn observations and configuration into causes and fixes.
        .target(
            name: "Diagnosis",
            dependencies: [
                "Trace", "Topology", "KernelSettings", "KernelDrops", "Containers", "LinuxNet", "NetworkModel",
                "PacketCodec",
            ]
        ),
        // Faults the lab can make and undo, each tied to the finding it should produce.
        .target(name: "LabFaults", dependencies: ["Diagnosis", "Lab", "LinuxNet", "PacketCodec"]),
        .executableTarget(
            name: "lxcdiag",
            dependencies: [
                "LinuxNet", "PacketCodec", "PacketCapture", "NetworkModel", "Netlink", "Topology",
                "KernelSettings", "Containers", "ExpectedPath", "KernelDrops", "Lab", "Trace", "ARPSuite", "Diagnosis",
                "LabFaults", "PathTrace", "JSONConvention",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "PacketCodecTests", dependencies: ["PacketCodec"]),
        .testTarget(name: "JSONConventionTests", dependencies: ["JSONConvention"]),
        .testTarget(
            name: "DiagnosisTests",
            dependencies: [
                "Diagnosis", "LabFaults", "Trace", "Topology", "KernelSettings", "KernelDrops", "Containers",
                "LinuxNet", "NetworkModel", "PacketCodec", "Lab", "PacketCapture",
            ]
        ),
        .testTarget(
            name: "KernelSettingsTests",
            dependencies: ["KernelSettings", "LinuxNet"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "TopologyTests",
            dependencies: ["Netlink", "Topology", "LinuxNet", "PacketCodec", "JSONConvention"],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "ContainersTests",
            dependencies: ["Containers", "ExpectedPath", "LinuxNet", "NetworkModel", "PacketCodec", "Topology"]
        ),
        .testTarget(
            name: "ExpectedPathTests",
            dependencies: ["ExpectedPath", "KernelSettings", "LinuxNet", "PacketCodec", "Topology", "JSONConvention"]
        ),
        .testTarget(
            name: "KernelDropsTests",
            dependencies: ["KernelDrops", "LinuxNet", "PacketCodec"],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "TopoCommandTests",
            dependencies: ["lxcdiag", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(
            name: "PathCommandTests",
            dependencies: [
                "lxcdiag", "Containers", "KernelSettings", "LinuxNet",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The command line as a user meets it: every subcommand's bad inputs, run through the built binary.
        .testTarget(name: "LXCDiagCLITests", dependencies: ["lxcdiag"], exclude: ["bad-inputs.json"]),
        .testTarget(name: "ARPSuiteTests", dependencies: ["ARPSuite", "LinuxNet", "PacketCodec"]),
        .testTarget(name: "LinuxNetTests", dependencies: ["CLinuxNet", "LinuxNet", "PacketCodec", "PacketCapture"]),
        .testTarget(
            name: "LabTests",
            dependencies: ["Lab", "LinuxNet", "PacketCodec", "PacketCapture", "NetworkModel", "JSONConvention"]
        ),
        .testTarget(
            name: "PathTraceTests",
            dependencies: ["PathTrace", "ExpectedPath", "LinuxNet", "NetworkModel", "PacketCodec", "Topology", "Trace"]
        ),
        .testTarget(
            name: "TraceTests",
            dependencies: ["Trace", "LinuxNet", "PacketCodec", "PacketCapture", "NetworkModel", "KernelDrops", "Lab"]
        ),
    ]
)

for target in package.targets where target.type != .system && target.name.first != "C" {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    settings.append(.enableUpcomingFeature("InternalImportsByDefault"))
    settings.append(.unsafeFlags(["-warnings-as-errors"]))
    target.swiftSettings = settings
}
