#!/usr/bin/env bash
# The baseline a skilled admin has without lxcdiag: start tcpdump on every hop (inside each hop's namespace),
# wait until every capture is listening, ping once, stop the captures and read them.
#
#   tcpdump-per-hop.sh SOURCE_NETNS TARGET_IP HOP...      HOP is NETNS:IFACE or pid:PID:IFACE
#
# Prints one line per hop with the number of echo requests and replies it saw. Exit 0 when the ping was answered.
set -uo pipefail
[ $# -ge 3 ] || { echo "usage: $0 SOURCE_NETNS TARGET_IP NETNS:IFACE..." >&2; exit 2; }
source_ns=$1 target=$2
shift 2
work=$(mktemp -d /tmp/lxcdiag-baseline.XXXXXX)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

enter() { # how to run a command in a hop's namespace
    case $1 in
    pid:*) echo "nsenter -t ${1#pid:} -n" ;;
    *) echo "ip netns exec $1" ;;
    esac
}

i=0
for hop in "$@"; do
    ns=${hop%:*} dev=${hop##*:}
    # shellcheck disable=SC2046
    $(enter "$ns") tcpdump -i "$dev" -n -U -w "$work/$i.pcap" "icmp and host $target" 2>"$work/$i.err" &
    pids+=($!)
    i=$((i + 1))
done
# Wait (bounded, 5 s) until every tcpdump says it is listening.
for ((n = 0; n < 500; n++)); do
    ready=0
    for ((j = 0; j < i; j++)); do grep -q "listening on" "$work/$j.err" 2>/dev/null && ready=$((ready + 1)); done
    [ "$ready" -eq "$i" ] && break
    sleep 0.01
done
ip netns exec "$source_ns" ping -c 1 -W 1 -q "$target" >/dev/null
answered=$?
sleep 0.1 # let the last frames reach the capture files
for pid in "${pids[@]}"; do kill -INT "$pid" 2>/dev/null; done
wait 2>/dev/null
pids=()
i=0
for hop in "$@"; do
    requests=$(tcpdump -n -r "$work/$i.pcap" 'icmp[icmptype] = icmp-echo' 2>/dev/null | wc -l)
    replies=$(tcpdump -n -r "$work/$i.pcap" 'icmp[icmptype] = icmp-echoreply' 2>/dev/null | wc -l)
    printf '%-28s requests %s replies %s\n' "$hop" "$requests" "$replies"
    i=$((i + 1))
done
exit $answered
