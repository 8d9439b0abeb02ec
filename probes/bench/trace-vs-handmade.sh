#!/usr/bin/env bash
# Benchmark (issue 11): a healthy `lxcdiag trace --from ext --to ct1` against what an admin writes by hand, four
# tcpdumps (one per hop, each in its hop's namespace) and one ping, on the same lab, in one run; then the
# verdict on a dropping path at the default timeout.
#
#   trace-vs-handmade.sh [RUNS] [--lab NAME] [--no-lxc] [--before BINARY]      (root; RUNS defaults to 15)
#
# The four hops are ext:eth0, host:em1, host:veth-ct1 and ct1:eth0 (the container entered by pid for LXC), and
# the hand-made script is probes/bench/tcpdump-per-hop.sh on them. The tools run alternately, RUNS times each;
# --before also times another lxcdiag binary (an older build) the same way, in the same run. The dropping path
# is veth-ct1's bridge port disabled (state 0, restored at the end). Prints medians and ratios.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=15 lab=lxcdiag backend=() before=
while [ $# -gt 0 ]; do
    case $1 in
    --lab) lab=$2; shift 2 ;;
    --no-lxc) backend=(--no-lxc); shift ;;
    --before) before=$2; shift 2 ;;
    [0-9]*) runs=$1; shift ;;
    *) echo "usage: $0 [RUNS] [--lab NAME] [--no-lxc] [--before BINARY]" >&2; exit 2 ;;
    esac
done
lxcdiag=${LXCDIAG:-.build/debug/lxcdiag}
[ -x "$lxcdiag" ] || { echo "build first: swift build (or set LXCDIAG)" >&2; exit 3; }
[ -z "$before" ] || [ -x "$before" ] || { echo "--before $before is not an executable" >&2; exit 2; }
if [ "$lab" = lxcdiag ]; then
    export LXCDIAG_ENDPOINTS=/run/lxcdiag/endpoints.json
    name_args=()
else
    export LXCDIAG_ENDPOINTS=/run/lxcdiag/labs/$lab.endpoints.json
    name_args=(--name "$lab")
fi
host_ns=$lab-host
made_lab=0 restore_port=0
cleanup() {
    [ "$restore_port" -eq 1 ] && bridge -n "$host_ns" link set dev veth-ct1 state 3 2>/dev/null || true
    [ "$made_lab" -eq 1 ] && "$lxcdiag" lab down "${name_args[@]}" >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if ! [ -e "/run/netns/$host_ns" ] || ! [ -f "$LXCDIAG_ENDPOINTS" ]; then
    "$lxcdiag" lab up "${name_args[@]}" "${backend[@]}" >/dev/null
    made_lab=1
fi

# ct1's namespace and address, read from the lab's endpoint file (never hard-coded).
read -r ct1_place target < <(/usr/bin/python3 -c '
import json, subprocess, sys
e = [e for e in json.load(open(sys.argv[1]))["endpoints"] if e["name"] == "ct1"][0]
if e.get("netns"):
    place = e["netns"]
else:
    starter = ["ip", "netns", "exec", e["starterNetns"]] if e.get("starterNetns") else []
    place = "pid:" + subprocess.check_output(starter + ["lxc-info", "-n", e["container"], "-pH"], text=True).strip()
print(place, e["ip"])
' "$LXCDIAG_ENDPOINTS")
hops=("$lab-ext:eth0" "$host_ns:em1" "$host_ns:veth-ct1" "$ct1_place:eth0")

now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }
ms() { echo $((($2 - $1) / 1000000)); }

hand=() trace=() old=() drop=() old_drop=()
for ((i = 0; i < runs; i++)); do
    t0=$(now)
    bash probes/bench/tcpdump-per-hop.sh "$lab-ext" "$target" "${hops[@]}" >/dev/null || true
    t1=$(now)
    "$lxcdiag" trace --from ext --to ct1 >/dev/null || true
    t2=$(now)
    hand+=("$(ms "$t0" "$t1")") trace+=("$(ms "$t1" "$t2")")
    if [ -n "$before" ]; then
        t3=$(now)
        "$before" trace --from ext --to ct1 >/dev/null || true
        old+=("$(ms "$t3" "$(now)")")
    fi
done
restore_port=1
bridge -n "$host_ns" link set dev veth-ct1 state 0
status=0
for ((i = 0; i < runs; i++)); do
    t0=$(now)
    "$lxcdiag" trace --from ext --to ct1 >/dev/null || status=$?
    drop+=("$(ms "$t0" "$(now)")")
    if [ -n "$before" ]; then
        t1=$(now)
        "$before" trace --from ext --to ct1 >/dev/null || true
        old_drop+=("$(ms "$t1" "$(now)")")
    fi
done
bridge -n "$host_ns" link set dev veth-ct1 state 3
restore_port=0
[ "$status" -eq 1 ] || echo "warning: the dropping path did not give exit status 1 (got $status)" >&2

h=$(printf '%s\n' "${hand[@]}" | median)
t=$(printf '%s\n' "${trace[@]}" | median)
d=$(printf '%s\n' "${drop[@]}" | median)
echo "lab $lab, $runs runs each, hops ${hops[*]}"
echo "hand-made (4 tcpdumps + 1 ping):        median ${h} ms"
awk -v t="$t" -v h="$h" 'BEGIN {printf "lxcdiag trace, healthy:                 median %d ms  ratio %.2f\n", t, t / h}'
echo "lxcdiag trace, dropping (verdict):      median ${d} ms  (default timeout 300 ms)"
if [ -n "$before" ]; then
    o=$(printf '%s\n' "${old[@]}" | median)
    od=$(printf '%s\n' "${old_drop[@]}" | median)
    awk -v t="$o" -v h="$h" 'BEGIN {printf "before, healthy:                        median %d ms  ratio %.2f\n", t, t / h}'
    echo "before, dropping (verdict):             median ${od} ms"
fi
