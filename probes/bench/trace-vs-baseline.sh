#!/usr/bin/env bash
# Benchmark: `lxcdiag trace` against the tcpdump-per-hop baseline, on one hand-built path, in one run.
#
#   trace-vs-baseline.sh [RUNS]        (root; RUNS defaults to 15)
#
# Builds ext(eth0) -- [sw0 switch] -- em1 [br0 host] vct1 -- eth0(ct1), with vct2/ct2 as a side port, in
# namespaces lxcdiag-b<tag>-*; times RUNS healthy traces of each tool alternately, then RUNS traces of a
# path with the container's port disabled. Prints medians and the ratio; removes everything it made.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-15}
lxcdiag=${LXCDIAG:-.build/debug/lxcdiag}
[ -x "$lxcdiag" ] || { echo "build first: swift build (or set LXCDIAG)" >&2; exit 3; }
tag=$(head -c4 /dev/urandom | od -An -tx1 | tr -d ' \n')
p="lxcdiag-b$tag"
ext=$p-ext sw=$p-sw host=$p-host ct1=$p-ct1 ct2=$p-ct2
cleanup() { for ns in $ext $sw $host $ct1 $ct2; do ip netns del "$ns" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM

for ns in $ext $sw $host $ct1 $ct2; do
    ip netns add "$ns"
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
ip -n "$ext" link add eth0 type veth peer name p-ext netns "$sw"
ip -n "$sw" link add p-host type veth peer name em1 netns "$host"
ip -n "$host" link add vct1 type veth peer name eth0 netns "$ct1"
ip -n "$host" link add vct2 type veth peer name eth0 netns "$ct2"
ip -n "$sw" link add sw0 type bridge
ip -n "$host" link add br0 type bridge
for port in p-ext p-host; do ip -n "$sw" link set "$port" master sw0; done
for port in em1 vct1 vct2; do ip -n "$host" link set "$port" master br0; done
ip -n "$ext" addr add 192.0.2.1/24 dev eth0
ip -n "$ct1" addr add 192.0.2.20/24 dev eth0
ip -n "$ct2" addr add 192.0.2.21/24 dev eth0
for pair in "$ext eth0" "$sw p-ext" "$sw p-host" "$sw sw0" "$host em1" "$host vct1" "$host vct2" "$host br0" \
    "$ct1 eth0" "$ct2 eth0"; do
    set -- $pair
    ip -n "$1" link set "$2" up
done
for ((n = 0; n < 250; n++)); do # bounded: 5 s for every port to forward
    fwd=$( (bridge -n "$sw" link show; bridge -n "$host" link show) | grep -c 'state forwarding' || true)
    [ "$fwd" -ge 5 ] && break
    sleep 0.02
done

hops=("$ext:eth0" "$sw:p-ext" "$sw:p-host" "$host:em1" "$host:vct1" "$host:vct2" "$ct1:eth0")
trace_args=(--from "netns:$ext" --to "netns:$ct1"
    --hop "netns:$sw/p-ext" --hop "netns:$sw/sw0=bridge" --hop "netns:$sw/p-host"
    --hop "netns:$host/em1=uplink" --hop "netns:$host/br0=bridge" --hop "netns:$host/vct1=veth"
    --side "netns:$host/vct2")

now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }

base_times=() trace_times=() plain_times=() drop_times=()
for ((i = 0; i < runs; i++)); do
    t0=$(now)
    bash probes/bench/tcpdump-per-hop.sh "$ext" 192.0.2.20 "${hops[@]}" >/dev/null || true
    t1=$(now)
    "$lxcdiag" trace "${trace_args[@]}" --json >/dev/null || true
    t2=$(now)
    "$lxcdiag" trace "${trace_args[@]}" --json --no-kernel-drops >/dev/null || true
    t3=$(now)
    base_times+=($(((t1 - t0) / 1000000)))
    trace_times+=($(((t2 - t1) / 1000000)))
    plain_times+=($(((t3 - t2) / 1000000)))
done
bridge -n "$host" link set dev vct1 state 0
status=0
for ((i = 0; i < runs; i++)); do
    t0=$(now)
    "$lxcdiag" trace "${trace_args[@]}" --json >/dev/null || status=$?
    t1=$(now)
    drop_times+=($(((t1 - t0) / 1000000)))
done
[ "$status" -eq 1 ] || echo "warning: the dropping path did not give exit status 1 (got $status)" >&2

base=$(printf '%s\n' "${base_times[@]}" | median)
trace=$(printf '%s\n' "${trace_times[@]}" | median)
plain=$(printf '%s\n' "${plain_times[@]}" | median)
drop=$(printf '%s\n' "${drop_times[@]}" | median)
echo "runs: $runs each, path of 7 capture points (lxcdiag also captures on both bridges)"
echo "baseline tcpdump-per-hop (1 ping):            median ${base} ms"
echo "lxcdiag trace healthy (arp + 2 icmp sizes):   median ${trace} ms (${plain} ms with --no-kernel-drops)"
echo "lxcdiag trace dropping (port disabled):       median ${drop} ms (timeout 300 ms)"
awk -v b="$base" -v t="$trace" 'BEGIN {printf "ratio trace/baseline: %.2f\n", t / b}'
