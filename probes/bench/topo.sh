#!/usr/bin/env bash
# Benchmark: `lxcdiag topo --json` on a host with COUNT containers (built as namespaces: each a veth peer on br0
# in a host namespace) against the hand-made alternative, `ip -d -j link` + `bridge -j link` + `ip -j addr`
# run once per namespace. Both are timed RUNS times, interleaved, in this one run; prints medians and the ratio.
#
#   probes/bench/topo.sh [COUNT] [RUNS]          (root; LXCDIAG=path/to/lxcdiag, default the release build)
#
# Everything built is named lxcdiag-bench-topo<PID>-* and removed on exit, also on Ctrl-C.
set -euo pipefail
count=${1:-100}
runs=${2:-5}
cd "$(dirname "$0")/../.."
lxcdiag=${LXCDIAG:-}
if [ -z "$lxcdiag" ]; then
    for candidate in .build/release/lxcdiag .build/debug/lxcdiag; do
        [ -x "$candidate" ] && { lxcdiag=$candidate; break; }
    done
fi
[ -n "$lxcdiag" ] && [ -x "$lxcdiag" ] || { echo "topo.sh: build lxcdiag first (swift build -c release)" >&2; exit 3; }
[ "$(id -u)" -eq 0 ] || { echo "topo.sh: needs root (creates namespaces)" >&2; exit 3; }
[ "$count" -ge 1 ] && [ "$count" -le 250 ] || { echo "topo.sh: COUNT must be 1..250" >&2; exit 2; }

prefix=lxcdiag-bench-topo$$
host=$prefix-host
cleanup() {
    trap - EXIT INT TERM
    for ns in $(ip netns list | awk '{print $1}' | grep "^$prefix-" || true); do ip netns del "$ns" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "building $count containers on br0 in $host ..."
ip netns add "$host"
ip -n "$host" link add br0 type bridge stp_state 0
ip -n "$host" addr add 198.51.100.1/24 dev br0
ip -n "$host" link set br0 up
containers=()
host_batch=""
for ((i = 1; i <= count; i++)); do
    ns=$prefix-c$i
    containers+=("$ns")
    ip netns add "$ns"
    host_batch+="link add v$i type veth peer name eth0 netns $ns"$'\n'
    host_batch+="link set v$i master br0"$'\n'
    host_batch+="link set v$i up"$'\n'
done
ip -n "$host" -batch - <<<"$host_batch"
for ((i = 1; i <= count; i++)); do
    # 198.51.100.2 ... .251: COUNT is capped at 250.
    ip -n "${containers[i - 1]}" -batch - <<EOS
addr add 198.51.100.$((i + 1))/24 dev eth0
link set eth0 up
link set lo up
EOS
done

now() { date +%s%N; }
run_lxcdiag() { "$lxcdiag" topo -n "$host" "${containers[@]}" --json >/tmp/$prefix-lxcdiag.json; }
run_by_hand() {
    for ns in "$host" "${containers[@]}"; do
        ip -n "$ns" -d -j link show
        bridge -n "$ns" -j link show
        ip -n "$ns" -j addr show
    done >/tmp/$prefix-by-hand.json
}

# Sanity: lxcdiag saw every container's veth peer on br0.
run_lxcdiag
peers=$(grep -c '"node" : "'"$prefix"'-c' /tmp/$prefix-lxcdiag.json || true)
echo "lxcdiag topo --json: $(wc -c </tmp/$prefix-lxcdiag.json) bytes, $peers references into containers"
rm -f /tmp/$prefix-lxcdiag.json

lx=()
hand=()
for ((r = 1; r <= runs; r++)); do
    t0=$(now); run_lxcdiag; t1=$(now)
    run_by_hand; t2=$(now)
    lx+=($(((t1 - t0) / 1000000)))
    hand+=($(((t2 - t1) / 1000000)))
done
rm -f /tmp/$prefix-lxcdiag.json /tmp/$prefix-by-hand.json
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
m_lx=$(median "${lx[@]}")
m_hand=$(median "${hand[@]}")
echo "namespaces: $((count + 1)) (host + $count containers), runs: $runs, binary: $lxcdiag"
echo "lxcdiag topo --json             runs [${lx[*]}] ms, median $m_lx ms"
echo "ip -d -j link + bridge -j link + ip -j addr per namespace   runs [${hand[*]}] ms, median $m_hand ms"
awk -v a="$m_hand" -v b="$m_lx" 'BEGIN {printf "ratio (hand-made / lxcdiag): %.1fx\n", (b > 0 ? a / b : 0)}'
