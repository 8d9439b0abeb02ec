#!/bin/bash
# Overhead of DropRecorder: create + enable + tear down a private tracefs instance, as measured by the
# recorder itself (`lxcdiag kernel-drops --seconds 0 --json` reports setupNs and teardownNs), against the
# kernel's floor: the same mkdir + rmdir of an empty instance from the shell, in one run.
# Usage (root): probes/bench/kernel-drops-instance.sh [RUNS] [path/to/lxcdiag]
set -euo pipefail
runs=${1:-10}
lxcdiag=${2:-$(dirname "$0")/../../.build/debug/lxcdiag}
tracing=$(awk '$3 == "tracefs" { print $2; exit }' /proc/self/mounts)
[ -n "$tracing" ] || { "$lxcdiag" kernel-drops --length 1027 --seconds 0 >/dev/null; tracing=/sys/kernel/tracing; }
ms() { awk -v ns="$1" 'BEGIN { printf "%.1f", ns / 1e6 }'; }
setup=() teardown=() floor=()
for _ in $(seq "$runs"); do
    out=$("$lxcdiag" kernel-drops --length 1027 --seconds 0 --json)
    setup+=("$(sed -n 's/.*"setupNs" : \([0-9]*\).*/\1/p' <<<"$out")")
    teardown+=("$(sed -n 's/.*"teardownNs" : \([0-9]*\).*/\1/p' <<<"$out")")
    dir=$tracing/instances/lxcdiag-bench-$$
    start=$(date +%s%N); mkdir "$dir"; rmdir "$dir"; end=$(date +%s%N)
    floor+=($((end - start)))
done
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
s=$(median "${setup[@]}") t=$(median "${teardown[@]}") f=$(median "${floor[@]}")
echo "runs: $runs (medians)"
echo "recorder setup (mount check, mkdir, clock marker, 4 filtered events, trace_pipe reader): $(ms "$s") ms"
echo "recorder teardown (drain reader, rmdir):                                         $(ms "$t") ms"
echo "recorder total:                                                                  $(ms $((s + t))) ms"
echo "kernel floor (shell mkdir + rmdir of an empty instance):                         $(ms "$f") ms"
awk -v a=$((s + t)) -v b="$f" 'BEGIN { printf "ratio recorder/floor: %.2f\n", a / b }'
