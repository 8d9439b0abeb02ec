# lxcdiag in a container, for hosts where you would rather not install Swift.
#
# It must see the host's namespaces, containers and tracefs, so run it with the host's network and pid
# namespaces, the capabilities it uses, and the mounts where namespaces, LXC and tracefs live:
#
#   docker build -t lxcdiag .
#   docker run --rm -it --network host --pid host \
#     --cap-add NET_ADMIN --cap-add NET_RAW --cap-add SYS_ADMIN --cap-add SYS_PTRACE \
#     --security-opt apparmor=unconfined \
#     -v /run/netns:/run/netns:rshared -v /run/lxcdiag:/run/lxcdiag \
#     -v /var/lib/lxc:/var/lib/lxc:ro -v /sys/kernel/tracing:/sys/kernel/tracing \
#     lxcdiag trace --from ext --to ct1
#
# NET_ADMIN/NET_RAW: AF_PACKET sockets, libpcap, rtnetlink; SYS_ADMIN: setns into other namespaces and
# the tracefs instance; SYS_PTRACE: open /proc/PID/ns/net of containers' processes.

FROM swift:6.3-bookworm AS build
# Debian's libpcap-dev is the version the runtime's libpcap0.8 matches; pinning would break on point releases.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpcap-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
RUN swift package resolve
COPY Sources ./Sources
RUN swift build -c release --static-swift-stdlib --product lxcdiag \
    && install -D -m 0755 "$(swift build -c release --show-bin-path)/lxcdiag" /out/lxcdiag

FROM debian:bookworm-slim
# Runtime tools lxcdiag calls: ip/bridge (lab), nft (netfilter inspection), lxc-* (containers), dot (--svg).
# Same reason as above for not pinning Debian's own packages.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpcap0.8 iproute2 nftables lxc graphviz ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/lxcdiag /usr/local/bin/lxcdiag
ENTRYPOINT ["/usr/local/bin/lxcdiag"]
CMD ["--help"]
