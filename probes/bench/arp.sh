#!/bin/bash
# Benchmark: `lxcdiag arp scan` against arp-scan at its defaults, and `lxcdiag arp ping` against arping, in one
# run on a lab subnet of namespaces this script builds (bridge + 19 responders + one duplicate) and removes.
# Usage (root): probes/bench/arp.sh [ROUNDS]   env LXCDIAG=path/to/lxcdiag (default .build/debug/lxcdiag)
# Prints per-round figures, then medians and ratios. Frames are the scanner's bridge port's receive counter
# (IPv6 is off in the lab, so they are the scanner's ARP frames); the rate is measured on the wire (tcpdump on
# that port): captured frames divided by the time from the first to the last.
set -euo pipefail
rounds="${1:-5}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
bin="${LXCDIAG:-$root/.build/debug/lxcdiag}"
P="lxcdiag-bench$$" N=19
source "$root/probes/bench/arp-lab.sh"
work="$(mktemp -d /tmp/lxcdiag-bench.XXXXXX)"
cleanup() {
    [ -n "${dump:-}" ] && kill "$dump" 2>/dev/null || true
    [ -n "${responder:-}" ] && kill "$responder" 2>/dev/null || true
    lab_down
    rm -rf "$work"
}
trap cleanup EXIT INT TERM
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 3; }
[ -x "$bin" ] || { echo "no lxcdiag binary at $bin (swift build first)" >&2; exit 3; }

lab_up
lab_port user ""
for ns in $(ip netns list | awk '{print $1}' | grep "^$P-"); do
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
scanner_mac="$(ip -n "$P-scan" -j link show eth0 | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["address"])')"
in_scan() { ip netns exec "$P-scan" "$@"; }
now_ns() { date +%s%N; }

# capture_start / capture_stop: the frames the scanner sends, as seen on its bridge port.
port_frames() {
    ip -n "$P-br" -s -j link show p-scan \
        | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["rx"]["packets"])'
}
capture_start() {
    frames_before=$(port_frames)
    ip netns exec "$P-br" tcpdump -i p-scan -U -n -w "$work/cap.pcap" "ether src $scanner_mac and arp" 2>/dev/null &
    dump=$!
    sleep 0.3
}
capture_stop() {
    sleep 0.2
    kill "$dump"; wait "$dump" 2>/dev/null || true; dump=""
    echo -n "$(($(port_frames) - frames_before)) "
    tshark -r "$work/cap.pcap" -T fields -e frame.time_epoch 2>/dev/null | /usr/bin/python3 -c '
import sys
t = [float(x) for x in sys.stdin.read().split()]
span = t[-1] - t[0] if len(t) > 1 else 0
print("%.1f" % ((len(t) - 1) / span if span else 0))'
}

# Expected responders: ip mac, from each responder namespace.
for i in $(seq 1 "$N") dup; do
    ns="$P-r$i"; [ "$i" = dup ] && ns="$P-dup"
    mac="$(ip -n "$ns" -j link show eth0 | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["address"])')"
    addr="$(ip -n "$ns" -j addr show eth0 | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["addr_info"][0]["local"])')"
    echo "$addr $mac"
done | sort > "$work/expected"
echo "lab: $(wc -l < "$work/expected") responders (one duplicate pair) on 198.51.100.0/24, $rounds rounds"

printf '%-28s %8s %8s %8s %10s %s\n' tool wall_s frames rate_fps same_set duplicate_flagged
for round in $(seq 1 "$rounds"); do
    # arp-scan at its defaults.
    capture_start
    start=$(now_ns)
    in_scan arp-scan -I eth0 198.51.100.0/24 > "$work/arpscan.txt"
    end=$(now_ns)
    capture_stop > "$work/capture"
    read -r frames rate < "$work/capture"
    grep -E '^198\.51\.100\.' "$work/arpscan.txt" | awk '{print $1, $2}' | sort > "$work/got"
    same=$(cmp -s "$work/got" "$work/expected" && echo yes || echo no)
    dup=$(grep -q '198.51.100.11.*DUP' "$work/arpscan.txt" && echo yes || echo no)
    secs=$(echo "scale=3; ($end - $start) / 1000000000" | bc)
    printf '%-28s %8s %8s %8s %10s %s\n' arp-scan "$secs" "$frames" "$rate" "$same" "$dup" | tee -a "$work/rows"
    for policy in adaptive always; do
        capture_start
        start=$(now_ns)
        "$bin" arp scan 198.51.100.0/24 -n "$P-scan" -I eth0 --retry-policy "$policy" --json > "$work/ours.json"
        end=$(now_ns)
        capture_stop > "$work/capture"
    read -r frames rate < "$work/capture"
        /usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
for r in d["responders"]: print(r["ip"], r["mac"])' "$work/ours.json" | sort > "$work/got"
        same=$(cmp -s "$work/got" "$work/expected" && echo yes || echo no)
        dup=$(/usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print("yes" if any(x["ip"] == "198.51.100.11" and len(x["macs"]) == 2 for x in d["duplicates"]) else "no")' "$work/ours.json")
        secs=$(echo "scale=3; ($end - $start) / 1000000000" | bc)
        printf '%-28s %8s %8s %8s %10s %s\n' "lxcdiag($policy)" "$secs" "$frames" "$rate" "$same" "$dup" \
            | tee -a "$work/rows"
    done
done

# arp ping vs arping: 20 requests each to one responder, 50 ms apart, per-reply RTTs in microseconds. ping(8)
# (ICMP echo) runs too: it starts its clock before the request goes to the kernel and stops it at the kernel's
# receive timestamp, as arp ping does; arping starts its clock after sendto returns, which on a veth is after
# the reply has already been processed (the whole exchange runs inside the sending syscall).
target=198.51.100.12
for round in $(seq 1 "$rounds"); do
    in_scan arping -i eth0 -c 20 -W 0.05 "$target" 2>/dev/null \
        | /usr/bin/python3 -c '
import re, sys
for line in sys.stdin:
    m = re.search(r"time=([0-9.]+) (usec|msec|sec)", line)
    if m: print(float(m.group(1)) * {"usec": 1, "msec": 1e3, "sec": 1e6}[m.group(2)])' >> "$work/arping.rtt"
    in_scan ping -n -c 20 -i 0.05 "$target" \
        | /usr/bin/python3 -c '
import re, sys
for line in sys.stdin:
    m = re.search(r"time=([0-9.]+) ms", line)
    if m: print(float(m.group(1)) * 1e3)' >> "$work/ping.rtt"
    "$bin" arp ping "$target" -n "$P-scan" -I eth0 -c 20 -i 0.05 --json \
        | /usr/bin/python3 -c '
import json, sys
for r in json.load(sys.stdin)["replies"]: print(r["rtt_ns"] / 1000)' >> "$work/ours.rtt"
    "$bin" arp ping "$target" -n "$P-scan" -I eth0 -c 20 -i 0.05 --unicast --json \
        | /usr/bin/python3 -c '
import json, sys
for r in json.load(sys.stdin)["replies"][1:]: print(r["rtt_ns"] / 1000)' >> "$work/ours-unicast.rtt"
done

# The same against a userspace responder (asynchronous, like a remote host), unicast on both sides so no
# bridge flood sits inside either tool's send: arping -t MAC and arp ping --unicast (first, broadcast reply dropped).
user_ip=198.51.100.200
ip netns exec "$P-user" /usr/bin/python3 "$root/probes/bench/arp-responder.py" eth0 "$user_ip" 120 &
responder=$!
sleep 0.5
user_mac="$(ip -n "$P-user" -j link show eth0 | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["address"])')"
# wire_rtts FILE: request-to-reply times (us) for $user_ip as the scanner's own capture stamps them.
wire_rtts() {
    tshark -r "$work/user.pcap" -T fields -e frame.time_epoch -e arp.opcode -e arp.src.proto_ipv4 \
        -e arp.dst.proto_ipv4 2>/dev/null | /usr/bin/python3 -c '
import sys
asked = None
for line in sys.stdin:
    t, op, src, dst = line.split()
    if op == "1" and dst == sys.argv[1]: asked = float(t)
    elif op == "2" and src == sys.argv[1] and asked is not None:
        print((float(t) - asked) * 1e6); asked = None' "$user_ip" >> "$1"
}
user_capture() {
    ip netns exec "$P-scan" tcpdump -i eth0 -U -n -w "$work/user.pcap" arp 2>/dev/null &
    dump=$!
    sleep 0.3
}
user_capture_stop() { sleep 0.2; kill "$dump"; wait "$dump" 2>/dev/null || true; dump=""; }
for round in $(seq 1 "$rounds"); do
    user_capture
    in_scan arping -i eth0 -c 20 -W 0.05 -t "$user_mac" "$user_ip" 2>/dev/null \
        | /usr/bin/python3 -c '
import re, sys
for line in sys.stdin:
    m = re.search(r"time=([0-9.]+) (usec|msec|sec)", line)
    if m: print(float(m.group(1)) * {"usec": 1, "msec": 1e3, "sec": 1e6}[m.group(2)])' >> "$work/arping-user.rtt"
    user_capture_stop
    wire_rtts "$work/wire-arping.rtt"
    user_capture
    "$bin" arp ping "$user_ip" -n "$P-scan" -I eth0 -c 20 -i 0.05 --unicast --json \
        | /usr/bin/python3 -c '
import json, sys
for r in json.load(sys.stdin)["replies"][1:]: print(r["rtt_ns"] / 1000)' >> "$work/ours-user.rtt"
    user_capture_stop
    wire_rtts "$work/wire-ours.rtt"
done
kill "$responder" 2>/dev/null || true; responder=""

/usr/bin/python3 - "$work/rows" "$work/arping.rtt" "$work/ours.rtt" "$work/ping.rtt" "$work/ours-unicast.rtt" "$work/arping-user.rtt" "$work/ours-user.rtt" "$work/wire-arping.rtt" "$work/wire-ours.rtt" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
def med(tool, col):
    return statistics.median(float(r[col]) for r in rows if r[0] == tool)
print()
print("scan medians (wall s / frames / on-wire rate fps):")
for tool in ["arp-scan", "lxcdiag(adaptive)", "lxcdiag(always)"]:
    ok = all(r[4] == "yes" and r[5] == "yes" for r in rows if r[0] == tool)
    print(f"  {tool:20s} {med(tool, 1):7.3f} s  {med(tool, 2):6.0f} frames  {med(tool, 3):6.1f} fps  "
          f"same responders and duplicate flagged in every round: {'yes' if ok else 'NO'}")
base = med("arp-scan", 1)
for tool in ["lxcdiag(adaptive)", "lxcdiag(always)"]:
    print(f"  wall-time ratio {tool} / arp-scan = {med(tool, 1) / base:.2f}   "
          f"rate ratio = {med(tool, 3) / med('arp-scan', 3):.2f}")
def q(v, p): return statistics.quantiles(v, n=100)[p - 1]
print()
print("RTT to a kernel responder behind the bridge (us), 20 requests x rounds, 50 ms apart:")
series = {name: [float(x) for x in open(path)] for name, path in
          [("arping", sys.argv[2]), ("lxcdiag arp ping", sys.argv[3]), ("ping(8) ICMP", sys.argv[4]),
           ("lxcdiag --unicast", sys.argv[5])]}
for name, v in series.items():
    print(f"  {name:18s} median {statistics.median(v):7.1f}  p10 {q(v,10):7.1f}  p90 {q(v,90):7.1f}  n={len(v)}")
ours = statistics.median(series["lxcdiag arp ping"])
uni = statistics.median(series["lxcdiag --unicast"])
print(f"  ratio lxcdiag/arping {ours / statistics.median(series['arping']):.2f}   "
      f"lxcdiag --unicast/ping(8) {uni / statistics.median(series['ping(8) ICMP']):.2f}   "
      "(broadcasts are flooded to every bridge port inside the sending syscall; unicast ARP and ICMP are not)")
print()
print("RTT to a userspace responder (us), unicast both, 20 requests x rounds, 50 ms apart:")
user = {name: [float(x) for x in open(path)] for name, path in
        [("arping -t MAC", sys.argv[6]), ("lxcdiag --unicast", sys.argv[7]),
         ("wire, arping's run", sys.argv[8]), ("wire, lxcdiag's run", sys.argv[9])]}
for name, v in user.items():
    print(f"  {name:18s} median {statistics.median(v):7.1f}  p10 {q(v,10):7.1f}  p90 {q(v,90):7.1f}  n={len(v)}")
a, o, wa, wo = (statistics.median(v) for v in user.values())
print(f"  ratio lxcdiag/arping {o / a:.2f}; each against the capture of its own run: "
      f"arping/wire {a / wa:.2f}, lxcdiag/wire {o / wo:.2f}")
PY
