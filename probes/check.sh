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
echo "== tests"
status=0
swift test --skip-build || status=$?
if [ -x probes/fuzz/run.sh ]; then
    echo "== fuzz (bounded)"
    probes/fuzz/run.sh || status=$?
fi
echo "== leftovers"
left=$(ip netns list 2>/dev/null | awk '{print $1}' | grep '^lxcdiag' || true)
inst=$(ls /sys/kernel/tracing/instances 2>/dev/null | grep '^lxcdiag' || true)
cts=$(lxc-ls 2>/dev/null | tr ' ' '\n' | grep -E '^(lxcdiag|ct[0-9])' || true)
if [ -n "$left$inst$cts" ]; then
    echo "check.sh: tests left state behind: namespaces [$left] tracefs [$inst] containers [$cts]" >&2
    status=1
fi
exit "$status"
