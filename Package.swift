// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "lxcdiag",
    products: [
        .executable(name: "lxcdiag", targets: ["lxcdiag"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
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
        // Vocabulary shared by topology, trace and diagnosis: endpoints, the endpoint file, hop names, capture points
        // and their roles, findings with their severities and catalogue codes.
        .target(name: "NetworkModel", dependencies: ["LinuxNet", "PacketCodec"]),
        // The built-in lab: outside world, container host, veth and macvlan containers (LXC or plain netns).
        .target(name: "Lab", dependencies: ["LinuxNet", "Netlink", "PacketCodec", "NetworkModel", "Containers"]),
        // The kernel's own account of dropped probe frames: a private tracefs instance with skb:kfree_skb.
        .target(name: "KernelDrops", dependencies: ["LinuxNet"]),
        // Per-namespace sysctls (forwarding, rp_filter, ARP) and netfilter hooks that can drop, read from the kernel.
        .target(name: "KernelSettings", dependencies: ["LinuxNet", "Netlink"]),
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
        // The pipeline `trace`, `path` and `doctor` call: resolve the endpoints, read the host, walk the expected path,
        // plan the captures, probe, correlate, diagnose, and hand the renderers a finished report.
        .target(
            name: "Investigation",
            dependencies: [
                "Containers", "Diagnosis", "ExpectedPath", "KernelDrops", "KernelSettings", "LinuxNet", "NetworkModel",
                "PacketCodec", "PathTrace", "Topology", "Trace",
            ]
        ),
        // Verification plans (YAML through Yams): the model, the parser and its FILE:LINE:COLUMN errors. Pure.
        .target(name: "Plan", dependencies: ["PacketCodec", .product(name: "Yams", package: "Yams")]),
        // Runs a plan's expectations through a runner: independent ones concurrently, retries, results, outputs.
        .target(name: "Check", dependencies: ["Plan"]),
        // Faults the lab can make and undo, each tied to the finding it should produce.
        .target(name: "LabFaults", dependencies: ["Lab", "LinuxNet", "NetworkModel", "PacketCodec"]),
        .executableTarget(
            name: "lxcdiag",
            dependencies: [
                "LinuxNet", "PacketCodec", "PacketCapture", "NetworkModel", "Netlink", "Topology",
                "KernelSettings", "Containers", "ExpectedPath", "KernelDrops", "Lab", "Trace", "ARPSuite", "Diagnosis",
                "LabFaults", "PathTrace", "Investigation", "Plan", "Check", "JSONConvention",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // What the test targets share: the built binary run as a user runs it, and scapy as an independent codec.
        .target(name: "TestSupport", dependencies: ["LinuxNet"], path: "Tests/TestSupport"),
        .testTarget(name: "PacketCodecTests", dependencies: ["PacketCodec", "TestSupport"]),
        .testTarget(name: "NetlinkTests", dependencies: ["Netlink"]),
        .testTarget(name: "CheckTests", dependencies: ["Check", "Plan"]),
        // check and record as a user runs them, on a lab: breaks, outputs read by independent parsers, bad plans.
        .testTarget(name: "CheckIntegrationTests", dependencies: ["lxcdiag"]),
        .testTarget(name: "JSONConventionTests", dependencies: ["JSONConvention"]),
        .testTarget(
            name: "DiagnosisTests",
            dependencies: [
                "Diagnosis", "Investigation", "LabFaults", "Trace", "Topology", "KernelSettings", "KernelDrops",
                "Containers", "LinuxNet", "NetworkModel", "PacketCodec", "Lab", "PacketCapture", "TestSupport",
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
            dependencies: [
                "Containers", "ExpectedPath", "LinuxNet", "NetworkModel", "PacketCodec", "Topology", "TestSupport",
            ],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "ExpectedPathTests",
            dependencies: ["ExpectedPath", "KernelSettings", "LinuxNet", "PacketCodec", "Topology", "JSONConvention"]
        ),
        .testTarget(
            name: "KernelDropsTests",
            dependencies: ["KernelDrops", "LinuxNet", "PacketCodec", "TestSupport"],
            exclude: ["Fixtures"]
        ),
        // The command line as a user meets it: every subcommand's bad inputs, run through the built binary.
        // Also the CLI module's own tests (path, topo, endpoints and settings arguments and help).
        .testTarget(
            name: "LXCDiagCLITests",
            dependencies: [
                "lxcdiag", "Containers", "KernelSettings", "LinuxNet", "TestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            exclude: ["bad-inputs.json"]
        ),
        .testTarget(name: "ARPSuiteTests", dependencies: ["ARPSuite", "LinuxNet", "PacketCodec", "TestSupport"]),
        .testTarget(
            name: "LinuxNetTests",
            dependencies: ["CLinuxNet", "LinuxNet", "PacketCodec", "PacketCapture", "TestSupport"]
        ),
        .testTarget(
            name: "InvestigationTests",
            dependencies: ["Containers", "Investigation", "LinuxNet", "NetworkModel", "TestSupport", "Trace"]
        ),
        .testTarget(
            name: "LabTests",
            dependencies: [
                "Lab", "LinuxNet", "PacketCodec", "PacketCapture", "NetworkModel", "TestSupport", "JSONConvention",
            ]
        ),
        .testTarget(
            name: "PathTraceTests",
            dependencies: ["PathTrace", "ExpectedPath", "LinuxNet", "NetworkModel", "PacketCodec", "Topology", "Trace"]
        ),
        .testTarget(
            name: "TraceTests",
            dependencies: [
                "Trace", "LinuxNet", "PacketCodec", "PacketCapture", "NetworkModel", "KernelDrops", "Lab",
                "TestSupport",
            ]
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
