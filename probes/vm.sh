#!/usr/bin/env bash
# probes/vm.sh COMMAND...: runs COMMAND inside a VM booted with Debian's full 6.1 kernel (802.1Q, VLAN-filtering
# bridges, netem, ipvlan: what this machine's own kernel lacks) and this machine's userspace, read-only, so the
# checkout and its .build are visible at the same paths. Streams the command's output and exits with its status;
# 124 when it ran out of time, 3 when no VM can be booted here (the reason on one line).
#
#   probes/vm.sh 'lxcdiag lab up --no-lxc --vlan && lxcdiag trace --from ext --to ct1'
#   LXCDIAG_VM_TIMEOUT=300 probes/vm.sh probes/vm/vlan-suite.sh
#
# The VM has no network device (nothing inside reaches this machine's eth0) and is software-emulated (KVM fails
# here with a nested MSR error): about 35 s to boot, and CPU-heavy, so one boot should run a whole scenario.
# Writable inside: the checkout's probes/vm/out (results), /tmp and /run (the VM's own tmpfs).
set -euo pipefail
cd "$(dirname "$0")/.."
checkout=$(pwd)

if [ "$#" -eq 0 ]; then
    echo "vm.sh: give the command to run inside the VM, e.g. probes/vm.sh uname -r" >&2
    exit 2
fi
timeout_seconds=${LXCDIAG_VM_TIMEOUT:-420}
cpus=${LXCDIAG_VM_CPUS:-2}

fail_environment() { echo "vm.sh: $*" >&2; exit 3; }

# What it needs, installed once (apt and pip only when missing).
if ! command -v qemu-system-x86_64 >/dev/null || ! ls /boot/vmlinuz-6.1.0-* >/dev/null 2>&1; then
    echo "vm.sh: installing qemu-system-x86 and linux-image-amd64" >&2
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        qemu-system-x86 linux-image-amd64; } >/tmp/lxcdiag-vm-apt.log 2>&1 ||
        fail_environment "cannot install qemu-system-x86 linux-image-amd64 (see /tmp/lxcdiag-vm-apt.log)"
fi
if ! command -v vng >/dev/null; then
    echo "vm.sh: installing virtme-ng" >&2
    pip install -q virtme-ng >/tmp/lxcdiag-vm-pip.log 2>&1 ||
        fail_environment "cannot install virtme-ng with pip (see /tmp/lxcdiag-vm-pip.log)"
    hash -r
    command -v vng >/dev/null || fail_environment "virtme-ng installed but vng is not on PATH"
fi
kernel=$(ls /boot/vmlinuz-6.1.0-* 2>/dev/null | sort -V | tail -n 1)
[ -n "$kernel" ] || fail_environment "no /boot/vmlinuz-6.1.0-* after installing linux-image-amd64"

mkdir -p "$checkout/probes/vm/out"
# The command runs under bash in the checkout, as root, with lxcdiag's build on PATH and the sending guard set
# to the VM's own root namespace (nothing is sent outside namespaces the command makes). Its status is written
# to a file too: the guest's exit status is what vng returns, and the file tells a guest that died from one
# that failed.
status_file="$checkout/probes/vm/out/.status"
rm -f "$status_file"
inner_timeout=$((timeout_seconds - 60))
[ "$inner_timeout" -gt 30 ] || inner_timeout=30
# One argument is a shell script (as with `bash -c`), several are a command and its arguments.
if [ "$#" -eq 1 ]; then script=$1; else script=$(printf '%q ' "$@"); fi
guest="cd $(printf '%q' "$checkout") && export PATH=$(printf '%q' "$checkout/.build/debug"):/opt/swift/usr/bin:\$PATH \
&& export LXCDIAG_REFUSE_SENDING_IN_NETNS=\$(stat -L -c %i /proc/self/ns/net) \
&& { timeout --kill-after=10 $inner_timeout bash -c $(printf '%q' "$script") 2>&1; s=\$?; echo \$s > $(printf '%q' "$status_file"); exit \$s; }"

started=$(date +%s)
set +e
timeout --kill-after=15 "$timeout_seconds" vng --disable-kvm --force-initramfs -r "$kernel" \
    --memory 2G --cpus "$cpus" --rwdir "$checkout/probes/vm/out" -- "$guest" | cat
# Through a pipe: qemu reopens its stdout, which on a regular file starts writing at offset 0 again.
vng_status=${PIPESTATUS[0]}
set -e
echo "vm.sh: VM ran $(( $(date +%s) - started )) s (kernel $(basename "$kernel"), $cpus CPUs)" >&2
if [ -f "$status_file" ]; then
    exit "$(cat "$status_file")"
fi
if [ "$vng_status" -eq 124 ] || [ "$vng_status" -eq 137 ]; then
    echo "vm.sh: the VM did not finish within ${timeout_seconds} s" >&2
    exit 124
fi
fail_environment "the VM did not boot or died before the command finished (vng exit $vng_status)"
