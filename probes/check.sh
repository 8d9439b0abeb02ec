#!/usr/bin/env bash
# The test command: lint, build, every unit and integration test, the decoders' fuzz run, and a check that
# nothing the tests made (namespaces, tracefs instances, LXC containers) outlived them.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"

echo "== swift format lint"
swift format lint --strict -r Sources Tests Package.swift
echo "== hadolint"
hadolint Dockerfile
echo "== build"
swift build --build-tests
# What exists before the tests (the lab `setup.sh` brought up, say) is not theirs to remove.
snapshot() {
    { ip netns list 2>/dev/null | awk '{print "netns " $1}' | grep ' lxcdiag' || true
      ls /sys/kernel/tracing/instances 2>/dev/null | grep '^lxcdiag' | sed 's/^/tracefs /' || true
      lxc-ls -1 2>/dev/null | grep -E '^(lxcdiag|ct[0-9])' | sed 's/^/lxc /' || true; } | sort
}
before=$(snapshot)
echo "== tests"
# No test may send in the namespace the tests start in (this machine's own, with its real uplink): lxcdiag
# refuses to open a sending socket there while this is set (LinuxNet's SendingGuard).
LXCDIAG_REFUSE_SENDING_IN_NETNS=$(stat -L -c %i /proc/self/ns/net)
export LXCDIAG_REFUSE_SENDING_IN_NETNS
status=0
swift test --skip-build || status=$?
if [ -x probes/fuzz/run.sh ]; then
    echo "== fuzz (bounded)"
    probes/fuzz/run.sh || status=$?
fi
# What needs a full kernel (802.1Q, VLAN-filtering bridges, netem, ipvlan) runs in a VM, one boot, bounded in time.
echo "== VM suite (probes/vm.sh probes/vm/vlan-suite.sh)"
vm_status=0
# Through a pipe: qemu writes its console at offset 0 of a file it is handed, over what the tests printed.
LXCDIAG_VM_TIMEOUT=${LXCDIAG_VM_TIMEOUT:-780} probes/vm.sh probes/vm/vlan-suite.sh 2>&1 | cat || vm_status=$?
case "$vm_status" in
    0) ;;
    3) echo "check.sh: VM suite skipped: no VM could be booted here (the line above says why)" ;;
    *) status=1 ;;
esac
echo "== leftovers"
left=$(comm -13 <(echo "$before") <(snapshot) | tr '\n' ' ')
if [ -n "${left// /}" ]; then
    echo "check.sh: tests left state behind: $left" >&2
    status=1
fi
exit "$status"
