#!/usr/bin/env bash
# Benchmark: `lxcdiag check` on a plan of 40 expectations (30 reach between every ordered pair of the lab's six
# endpoints, 8 mtu from ext and host to each container, unique br0, no_findings) against the same work one
# after another: `lxcdiag trace --from A --to B` for each of the 38 traces (mtu ones with the size asked) and
# `lxcdiag doctor` twice, with trace's default kernel drop recorder and without it (check records kernel drops
# only when it traces a path that lost a probe again). All sides run RUNS times, interleaved, in this one run; prints medians and the ratio.
#
#   probes/bench/check.sh [RUNS] [LAB]    (root; LXCDIAG=path/to/lxcdiag, default the release build)
#
# With LAB (the name of a lab already up) it uses that lab; otherwise it brings up lxcdiag-bench-check<PID>
# (`lab up --no-lxc`) and removes it on exit, also on Ctrl-C.
set -euo pipefail
runs=${1:-3}
lab=${2:-}
cd "$(dirname "$0")/../.."
lxcdiag=${LXCDIAG:-}
if [ -z "$lxcdiag" ]; then
    for candidate in .build/release/lxcdiag .build/debug/lxcdiag; do
        [ -x "$candidate" ] && { lxcdiag=$candidate; break; }
    done
fi
[ -n "$lxcdiag" ] && [ -x "$lxcdiag" ] || { echo "check.sh: build lxcdiag first (swift build -c release)" >&2; exit 3; }
[ "$(id -u)" -eq 0 ] || { echo "check.sh: needs root (creates namespaces, sends probes in them)" >&2; exit 3; }
[ "$runs" -ge 1 ] && [ "$runs" -le 50 ] || { echo "check.sh: RUNS must be 1..50" >&2; exit 2; }
export LXCDIAG_REFUSE_SENDING_IN_NETNS=$(stat -L -c %i /proc/self/ns/net)

work=$(mktemp -d)
made=""
cleanup() {
    trap - EXIT INT TERM
    [ -n "$made" ] && "$lxcdiag" lab down --name "$made" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
if [ -z "$lab" ]; then
    lab=lxcdiag-bench-check$$
    made=$lab
    "$lxcdiag" lab up --no-lxc --name "$lab" >/dev/null
fi
endpoints=/run/lxcdiag/labs/$lab.endpoints.json
[ "$lab" = lxcdiag ] && endpoints=/run/lxcdiag/endpoints.json

names=(ext host ct1 ct2 ct3 ct4)
plan=$work/bench.yaml
traces=()
{
    echo "version: 1"
    echo "name: bench"
    echo "expect:"
    for from in "${names[@]}"; do
        for to in "${names[@]}"; do
            [ "$from" = "$to" ] && continue
            echo "  - reach: {from: $from, to: $to}"
            traces+=("--from $from --to $to")
        done
    done
    for from in ext host; do
        for to in ct1 ct2 ct3 ct4; do
            echo "  - mtu: {from: $from, to: $to, at_least: 1400}"
        done
    done
    echo "  - unique: {segment: br0, allow: [\"host:br0\"]}"
    echo "  - no_findings: {severity: error}"
} >"$plan"
count=$(grep -c '^  - ' "$plan")

# sequential [TRACE-OPTION]: the 38 traces and 2 doctor runs, one after another.
sequential() {
    local spec
    for spec in "${traces[@]}"; do
        # shellcheck disable=SC2086
        "$lxcdiag" trace $spec --endpoints "$endpoints" "$@" >/dev/null || true
    done
    for from in ext host; do
        for to in ct1 ct2 ct3 ct4; do
            # The mtu expectation's trace: the same path, the large probe as big as the interface MTU.
            "$lxcdiag" trace --from "$from" --to "$to" --endpoints "$endpoints" "$@" >/dev/null || true
        done
    done
    "$lxcdiag" doctor --endpoints "$endpoints" >/dev/null || true
    "$lxcdiag" doctor --endpoints "$endpoints" >/dev/null || true
}

now() { date +%s.%N; }
checks=()
serial=()
bare=()
for ((run = 1; run <= runs; run++)); do
    start=$(now)
    status=0
    "$lxcdiag" check --endpoints "$endpoints" "$plan" >"$work/out.txt" || status=$?
    checks+=("$(echo "$(now) - $start" | bc)")
    [ "$status" -eq 0 ] || { echo "check.sh: check exited $status:" >&2; cat "$work/out.txt" >&2; }
    start=$(now)
    sequential
    serial+=("$(echo "$(now) - $start" | bc)")
    start=$(now)
    sequential --no-kernel-drops
    bare+=("$(echo "$(now) - $start" | bc)")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
c=$(median "${checks[@]}")
s=$(median "${serial[@]}")
b=$(median "${bare[@]}")
echo "plan: $count expectations ($(tail -1 "$work/out.txt"))"
echo "check (concurrent, one snapshot):  ${checks[*]} s; median $c s"
echo "same traces one after another:     ${serial[*]} s; median $s s"
echo "same, trace --no-kernel-drops:      ${bare[*]} s; median $b s"
echo "ratio: $(echo "scale=2; $s / $c" | bc)x faster than trace as it runs by default, $(echo "scale=2; $b / $c" | bc)x than without kernel drops"
