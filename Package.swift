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
        // C: libpcap, as the system installs it.
        .systemLibrary(
            name: "CPcap",
            pkgConfig: "libpcap",
            providers: [.apt(["libpcap-dev"])]
        ),
        // C: what Swift cannot import from the Linux headers (setns, sockaddr_ll, netlink macros).
        .target(
            name: "CLinuxNet",
            cSettings: [.define("_GNU_SOURCE")]
        ),
        // Swift wrappers for the syscalls: namespaces, AF_PACKET sockets, dedicated threads, commands.
        .target(name: "LinuxNet", dependencies: ["CLinuxNet"]),
        // Pure codecs: Ethernet, 802.1Q, ARP, IPv4, ICMP. No I/O.
        .target(name: "PacketCodec"),
        // libpcap capture inside any namespace, and a pcapng writer.
        .target(name: "PacketCapture", dependencies: ["CPcap", "LinuxNet", "PacketCodec"]),
        // Vocabulary shared by topology, trace and diagnosis: endpoints, the endpoint file, hops, findings.
        .target(name: "NetworkModel", dependencies: ["LinuxNet", "PacketCodec"]),
        // The ARP suite: ping, scan, duplicate address detection, announcements and watch, from any namespace.
        .target(name: "ARPSuite", dependencies: ["LinuxNet", "PacketCodec", "NetworkModel"]),
        .executableTarget(
            name: "lxcdiag",
            dependencies: [
                "LinuxNet", "PacketCodec", "PacketCapture", "NetworkModel", "ARPSuite",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "PacketCodecTests", dependencies: ["PacketCodec"]),
        .testTarget(name: "ARPSuiteTests", dependencies: ["ARPSuite", "LinuxNet", "PacketCodec", "NetworkModel"]),
        .testTarget(name: "LinuxNetTests", dependencies: ["LinuxNet", "PacketCodec", "PacketCapture"]),
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
