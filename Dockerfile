# lxcdiag in a container, for hosts where you would rather not install Swift.
#
# It must see the host's namespaces, containers and tracefs, so run it with the host's network and pid
# namespaces, the capabilities it uses, and the mounts where namespaces, LXC, the engines' state and tracefs
# live. Without -t (no TTY needed; scripts and CI run it so):
#
#   docker build -t lxcdiag .
#   docker run --rm --network host --pid host \
#     --cap-add NET_ADMIN --cap-add NET_RAW --cap-add SYS_ADMIN --cap-add SYS_PTRACE \
#     --security-opt apparmor=unconfined \
#     -v /run/netns:/run/netns:rshared -v /run/lxcdiag:/run/lxcdiag \
#     -v /var/lib/lxc:/var/lib/lxc:ro -v /sys/kernel/tracing:/sys/kernel/tracing \
#     -v /var/lib/docker:/var/lib/docker:ro -v /run/docker/netns:/run/docker/netns:rslave \
#     lxcdiag trace --from ext --to ct1
#
# NET_ADMIN/NET_RAW: AF_PACKET sockets, libpcap, rtnetlink; SYS_ADMIN: setns into other namespaces and
# the tracefs instance; SYS_PTRACE: open /proc/PID/ns/net of containers' processes.
# `lxcdiag lab` does not work from the image: it runs lxc-create and ip netns in the container's mount
# namespace; build the lab on the host (probes/setup.sh) instead.
#
# Base images are pinned by the digest of their multi-platform index, as docker-library/repo-info recorded
# it for the tag (repos/swift/remote/6.3-bookworm.md: 6.3.3, 19 Sep 2026; repos/debian/remote/bookworm-slim.md:
# 3 Aug 2026). To move on: `docker buildx imagetools inspect swift:6.3-bookworm` and replace the digest.

FROM swift:6.3-bookworm@sha256:7060a792f4cd9eaa0d00826d941cec00ab8d252d33b8b28bc8e105f51f2dba73 AS build
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

FROM debian:bookworm-slim@sha256:abd67ffcfa541b485a3dff59865ab629aa048a6c613e639d36e7456b0b229241
LABEL org.opencontainers.image.title="lxcdiag" \
      org.opencontainers.image.description="Finds where frames die between the outside world, a container host and its containers" \
      org.opencontainers.image.base.name="docker.io/library/debian:bookworm-slim" \
      org.opencontainers.image.base.digest="sha256:abd67ffcfa541b485a3dff59865ab629aa048a6c613e639d36e7456b0b229241"
# Runtime tools lxcdiag calls: ip/bridge (lab), nft (netfilter inspection), lxc-* (containers), dot (--svg).
# Same reason as above for not pinning Debian's own packages.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpcap0.8 iproute2 nftables lxc graphviz ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/lxcdiag /usr/local/bin/lxcdiag
ENTRYPOINT ["/usr/local/bin/lxcdiag"]
CMD ["--help"]
