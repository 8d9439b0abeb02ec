#!/usr/bin/env bash
# Benchmark: `lxcdiag trace --from ext --to ct1` against the tcpdump-per-hop baseline on the lab, in one run.
#
#   trace-vs-baseline.sh [RUNS] [--lab NAME] [--no-lxc]       (root; RUNS defaults to 15)
#
# Uses the lab NAME (default: the default lab, `lxcdiag`); brings it up first when it is not up (LXC unless
# --no-lxc or LXC is missing) and takes it down again at the end only then. One trace tells the capture points
# lxcdiag computes from the path; the baseline captures with tcpdump on exactly those (both bridge devices, every
# bridge port, the container's eth0 entered by pid for LXC). Times RUNS healthy runs of each tool alternately,
# then RUNS traces with veth-ct1 disabled (bridge port state 0, restored at the end). Prints medians and the ratio.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=15 lab=lxcdiag backend=()
while [ $# -gt 0 ]; do
    case $1 in
    --lab) lab=$2; shift 2 ;;
    --no-lxc) backend=(--no-lxc); shift ;;
    [0-9]*) runs=$1; shift ;;
    *) echo "usage: $0 [RUNS] [--lab NAME] [--no-lxc]" >&2; exit 2 ;;
    esac
done
lxcdiag=${LXCDIAG:-.build/debug/lxcdiag}
[ -x "$lxcdiag" ] || { echo "build first: swift build (or set LXCDIAG)" >&2; exit 3; }
python=/usr/bin/python3
if [ "$lab" = lxcdiag ]; then
    export LXCDIAG_ENDPOINTS=/run/lxcdiag/endpoints.json
    name_args=()
else
    export LXCDIAG_ENDPOINTS=/run/lxcdiag/labs/$lab.endpoints.json
    name_args=(--name "$lab")
fi
host_ns=$lab-host
made_lab=0
restore_port=0
cleanup() {
    [ "$restore_port" -eq 1 ] && bridge -n "$host_ns" link set dev veth-ct1 state 3 2>/dev/null || true
    [ "$made_lab" -eq 1 ] && "$lxcdiag" lab down "${name_args[@]}" >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if ! ip netns list | grep -q "^$host_ns\b" || ! [ -f "$LXCDIAG_ENDPOINTS" ]; then
    "$lxcdiag" lab up "${name_args[@]}" "${backend[@]}" >/dev/null
    made_lab=1
fi

# The capture points lxcdiag uses, as NETNS:IFACE or pid:PID:IFACE for the baseline.
mapfile -t hops < <("$lxcdiag" trace --from ext --to ct1 --json | "$python" -c '
import json, subprocess, sys
endpoints = {e["name"]: e for e in json.load(open(sys.argv[1]))["endpoints"]}
trace = json.load(sys.stdin)
def place(node):
    e = endpoints[node]
    if e.get("netns"):
        return e["netns"]
    starter = ["ip", "netns", "exec", e["starterNetns"]] if e.get("starterNetns") else []
    pid = subprocess.check_output(starter + ["lxc-info", "-n", e["container"], "-pH"], text=True).strip()
    return "pid:" + pid
for hop in trace["probes"][0]["hops"]:
    print(place(hop["node"]) + ":" + hop["interface"])
' "$LXCDIAG_ENDPOINTS")
source_ns=$(echo "${hops[0]}" | cut -d: -f1)
target=$("$python" -c 'import json,sys; print([e["ip"] for e in json.load(open(sys.argv[1]))["endpoints"] if e["name"] == "ct1"][0])' "$LXCDIAG_ENDPOINTS")

now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }

base_times=() trace_times=() plain_times=() drop_times=()
for ((i = 0; i < runs; i++)); do
    t0=$(now)
    bash probes/bench/tcpdump-per-hop.sh "$source_ns" "$target" "${hops[@]}" >/dev/null || true
    t1=$(now)
    "$lxcdiag" trace --from ext --to ct1 --json >/dev/null || true
    t2=$(now)
    "$lxcdiag" trace --from ext --to ct1 --json --no-kernel-drops >/dev/null || true
    t3=$(now)
    base_times+=($(((t1 - t0) / 1000000)))
    trace_times+=($(((t2 - t1) / 1000000)))
    plain_times+=($(((t3 - t2) / 1000000)))
done
restore_port=1
bridge -n "$host_ns" link set dev veth-ct1 state 0
status=0
for ((i = 0; i < runs; i++)); do
    t0=$(now)
    "$lxcdiag" trace --from ext --to ct1 --json >/dev/null || status=$?
    t1=$(now)
    drop_times+=($(((t1 - t0) / 1000000)))
done
bridge -n "$host_ns" link set dev veth-ct1 state 3
restore_port=0
[ "$status" -eq 1 ] || echo "warning: the dropping path did not give exit status 1 (got $status)" >&2

base=$(printf '%s\n' "${base_times[@]}" | median)
trace=$(printf '%s\n' "${trace_times[@]}" | median)
plain=$(printf '%s\n' "${plain_times[@]}" | median)
drop=$(printf '%s\n' "${drop_times[@]}" | median)
echo "lab $lab, runs: $runs each, ${#hops[@]} capture points (${hops[*]})"
echo "baseline tcpdump-per-hop (1 ping):                       median ${base} ms"
echo "lxcdiag trace --from ext --to ct1 (arp + 2 icmp sizes):  median ${trace} ms (${plain} ms with --no-kernel-drops)"
echo "lxcdiag trace dropping (veth-ct1 disabled):              median ${drop} ms (timeout 300 ms)"
awk -v b="$base" -v t="$trace" 'BEGIN {printf "ratio trace/baseline: %.2f\n", t / b}'
