#!/usr/bin/env bash
# Benchmark (issue 9 item 3): `lxcdiag trace --from ext --to ct1 --json` with and without a UDP flood between
# two lab members, for two builds in one run: median wall time, non-zero exits and tracefs instances left.
#
#   trace-under-load.sh [N] [--before BIN] [--after BIN] [--lab NAME] [--payload BYTES]     (root; N = 15)
#
# BEFORE defaults to $LXCDIAG_BEFORE, AFTER to $LXCDIAG_AFTER or .build/debug/lxcdiag. Builds a namespaces
# lab NAME (default lxcdiag-bench-load) unless it is up, and takes it down at the end only then. The flood
# is python3 in ct2 sending PAYLOAD-byte datagrams (default 1200) to ct1's port 9, bounded by `timeout` and
# killed on exit. Three phases: idle; flood to the closed port (each datagram a kfree_skb NO_SOCKET, the
# issue's scenario); flood that an nft rule in ct1 drops (each one a NETFILTER_DROP, which no trace filter
# can leave out; the table is removed on exit).
# A third row, AFTER with --no-kernel-drops, is the floor: the same trace without any recorder.
# Runs alternate between the builds, so all see the same machine state. An instance a run leaves behind
# (`lxcdiag-PID-*` of that run's pid) is counted and then removed, so runs stay independent; no other
# instance is touched.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=15 lab=lxcdiag-bench-load payload=1200
before=${LXCDIAG_BEFORE:-} after=${LXCDIAG_AFTER:-.build/debug/lxcdiag}
while [ $# -gt 0 ]; do
    case $1 in
    --before) before=$2; shift 2 ;;
    --after) after=$2; shift 2 ;;
    --lab) lab=$2; shift 2 ;;
    --payload) payload=$2; shift 2 ;;
    [0-9]*) runs=$1; shift ;;
    *) echo "usage: $0 [N] [--before BIN] [--after BIN] [--lab NAME] [--payload BYTES]" >&2; exit 2 ;;
    esac
done
[ -n "$before" ] && [ -x "$before" ] || { echo "give --before BIN (or LXCDIAG_BEFORE)" >&2; exit 2; }
[ -x "$after" ] || { echo "no $after: build first, or give --after BIN" >&2; exit 2; }
[ "$runs" -ge 1 ] && [ "$runs" -le 500 ] || { echo "N must be 1-500" >&2; exit 2; }
python=/usr/bin/python3
instances=/sys/kernel/tracing/instances
export LXCDIAG_ENDPOINTS=/run/lxcdiag/labs/$lab.endpoints.json
export LXCDIAG_REFUSE_SENDING_IN_NETNS=${LXCDIAG_REFUSE_SENDING_IN_NETNS:-$(stat -L -c %i /proc/self/ns/net)}
made_lab=0 flood_pid= table=lxcdiag_bench_$$
cleanup() {
    [ -n "$flood_pid" ] && kill "$flood_pid" 2>/dev/null && wait "$flood_pid" 2>/dev/null || true
    ip netns exec "$lab-ct1" nft delete table inet "$table" 2>/dev/null || true
    [ "$made_lab" -eq 1 ] && "$after" lab down --name "$lab" >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if ! [ -f "$LXCDIAG_ENDPOINTS" ] || ! ip netns list | grep -q "^$lab-host\b"; then
    "$after" lab up --no-lxc --name "$lab" >/dev/null
    made_lab=1
fi
ct1_ip=$("$python" -c '
import json, sys
print(next(e["ip"] for e in json.load(open(sys.argv[1]))["endpoints"] if e["name"] == "ct1"))' "$LXCDIAG_ENDPOINTS")

declare -A times left failed
# One trace with binary $1 into bucket $2: its wall time in ms, whether it failed, whether it left its instance.
trace_once() {
    local bin=$1 key=$2 start end pid status=0 dir leftover=0
    shift 2
    start=$(date +%s%N)
    "$bin" trace --from ext --to ct1 --json "$@" >/dev/null 2>&1 &
    pid=$!
    wait "$pid" || status=$?
    end=$(date +%s%N)
    for dir in "$instances/lxcdiag-$pid-"*; do
        [ -d "$dir" ] || continue
        leftover=1
        for _ in 1 2 3 4 5 6 7 8 9 10; do rmdir "$dir" 2>/dev/null && break; sleep 0.2; done
    done
    times[$key]+="$(( (end - start) / 1000000 )) "
    [ "$status" -eq 0 ] || failed[$key]=$(( ${failed[$key]:-0} + 1 ))
    [ "$leftover" -eq 0 ] || left[$key]=$(( ${left[$key]:-0} + 1 ))
}
median() { tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

phases=(idle closed nft)
for phase in "${phases[@]}"; do
    if [ "$phase" = nft ]; then
        ip netns exec "$lab-ct1" nft add table inet "$table"
        ip netns exec "$lab-ct1" nft add chain inet "$table" in '{ type filter hook input priority 0; policy accept; }'
        ip netns exec "$lab-ct1" nft add rule inet "$table" in udp dport 9 drop
    fi
    if [ "$phase" != idle ]; then
        # Long enough for 2 x N traces of a few seconds each, and no longer.
        timeout $((30 + runs * 6)) ip netns exec "$lab-ct2" "$python" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
data, target = b"x" * int(sys.argv[2]), (sys.argv[1], 9)
while True:
    try: s.sendto(data, target)
    except OSError: pass' "$ct1_ip" "$payload" &
        flood_pid=$!
        sleep 1
    fi
    for _ in $(seq "$runs"); do
        trace_once "$before" "before-$phase"
        trace_once "$after" "after-$phase"
        trace_once "$after" "floor-$phase" --no-kernel-drops
    done
    if [ -n "$flood_pid" ]; then kill "$flood_pid" 2>/dev/null || true; wait "$flood_pid" 2>/dev/null || true; flood_pid=; fi
done

echo "trace --from ext --to ct1 on lab $lab, $runs runs per build and phase, alternating"
echo "load: idle | closed = $payload-byte UDP flood ct2 -> ct1:9 (closed) | nft = the same flood dropped by nft in ct1"
printf '%-8s %-6s %12s %10s %15s\n' build load "median ms" "exit != 0" "instances left"
for build in before after floor; do
    for phase in "${phases[@]}"; do
        key=$build-$phase
        printf '%-8s %-6s %12s %10s %15s\n' "$build" "$phase" "$(median "${times[$key]}")" \
            "${failed[$key]:-0}/$runs" "${left[$key]:-0}/$runs"
    done
done
echo "before: $before"
echo "after:  $after"
echo "floor:  $after --no-kernel-drops"
