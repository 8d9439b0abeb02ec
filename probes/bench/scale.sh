#!/usr/bin/env bash
# Scale: a host with many containers on one bridge (issue 15). Builds, in namespaces of its own, the issue's
# table and prints it, for this build and (with --before BIN) an older one, in one run:
#
#   scale.sh [--before BIN] [--ports "0 50 200 1000"] [--containers "100 1000"] [--check "100"]
#
# Ports: PREFIX-host holds br0 with the uplink em1 (from PREFIX-ext), veth-ct1 (to PREFIX-ct1) and N other
# veth ports whose peers sit in PREFIX-peers; `trace --from netns:PREFIX-ext --to netns:PREFIX-ct1` is timed
# (the first run after the ports were made, then the median of 3 more), with its peak RSS and its lines of text;
# the hand-made equivalent is tcpdump on the path's five interfaces and one ping (tcpdump-per-hop.sh).
# Containers: PREFIX-chost holds br0 with C veth ports, each to eth0 of its own namespace PREFIX-cNNNN (a
# container as a namespace); `topo`, `doctor`, `endpoints`, `arp watch --all-namespaces --duration 1s` and
# `check` of a plan with one `reach` per container (from PREFIX-c0001; only for the counts --check names, as
# it sends a trace per container) are timed. The hand-made reads beside them: for topo `ip -d -j link` +
# `bridge -j link` + `ip -j addr` per namespace, for doctor `ip -d link` + `nft -j list ruleset` per namespace.
# Wall is the median of 3 (ms), peak memory /usr/bin/time -v's maximum RSS (MiB). Everything made is removed
# on exit, also on Ctrl-C. Runs as root; sends only inside its own namespaces.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
new=${LXCDIAG:-$here/../../.build/debug/lxcdiag}
before=""
port_counts="0 50 200 1000"
container_counts="100 1000"
check_counts="100"
prefix=${SCALE_PREFIX:-lxs-sc}
while [ $# -gt 0 ]; do
    case $1 in
    --before) before=$2; shift 2 ;;
    --ports) port_counts=$2; shift 2 ;;
    --containers) container_counts=$2; shift 2 ;;
    --check) check_counts=$2; shift 2 ;;
    *) echo "usage: $0 [--before BIN] [--ports \"N...\"] [--containers \"N...\"] [--check \"N...\"]" >&2; exit 2 ;;
    esac
done
[ "$(id -u)" = 0 ] || { echo "scale.sh: run as root" >&2; exit 3; }
[ -x "$new" ] || { echo "scale.sh: no lxcdiag at $new (swift build first, or set LXCDIAG)" >&2; exit 3; }
work=$(mktemp -d /tmp/lxs-scale.XXXXXX)
made=()
cleanup() {
    # Bounded: one `ip netns del` per namespace made here, nothing else.
    for ns in "${made[@]}"; do ip netns del "$ns" 2>/dev/null; done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
netns() { ip netns add "$1" && made+=("$1") && ip -n "$1" link set lo up; }

# One command, timed: prints "WALL_MS RSS_MIB LINES" (the output's lines).
measure() {
    /usr/bin/time -v -o "$work/time" "$@" >"$work/out" 2>"$work/err"
    local wall rss lines
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0;
        for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%d", s * 1000 }' "$work/time")
    rss=$(awk -F': ' '/Maximum resident set size/ { printf "%d", $2 / 1024 }' "$work/time")
    lines=$(wc -l <"$work/out")
    echo "$wall $rss $lines"
}

# The first run, then the median of 3 more: prints "FIRST_MS MEDIAN_MS RSS_MIB LINES" (RSS the largest seen).
median3() {
    local first rest=() rss=0 lines=0 w r l
    read -r first r l < <(measure "$@")
    [ "$r" -gt "$rss" ] && rss=$r
    for _ in 1 2 3; do
        read -r w r l < <(measure "$@")
        rest+=("$w")
        [ "$r" -gt "$rss" ] && rss=$r
        lines=$l
    done
    local median
    median=$(printf '%s\n' "${rest[@]}" | sort -n | sed -n 2p)
    echo "$first $median $rss $lines"
}

row() { printf '| %-22s | %-28s | %8s | %9s | %8s | %6s |\n' "$@"; }
header() {
    row "$1" "command" "first ms" "median ms" "peak MiB" "lines"
    row "---" "---" "---" "---" "---" "---"
}
report() { # SCENARIO NAME -- COMMAND...
    local scenario=$1 name=$2
    shift 3
    local first median rss lines
    read -r first median rss lines < <(median3 "$@")
    row "$scenario" "$name" "$first" "$median" "$rss" "$lines"
}

# --- Ports on one bridge --------------------------------------------------------------------------------------
ext=$prefix-ext host=$prefix-host ct1=$prefix-ct1 peers=$prefix-peers
for ns in "$ext" "$host" "$ct1" "$peers"; do netns "$ns" || exit 3; done
ip -n "$host" link add br0 type bridge
ip -n "$host" link add em1 type veth peer name eth0 netns "$ext"
ip -n "$host" link add veth-ct1 type veth peer name eth0 netns "$ct1"
ip -n "$host" link set em1 master br0 up
ip -n "$host" link set veth-ct1 master br0 up
ip -n "$host" link set br0 up
ip -n "$ext" addr add 10.215.0.1/24 dev eth0 && ip -n "$ext" link set eth0 up
ip -n "$ct1" addr add 10.215.0.20/24 dev eth0 && ip -n "$ct1" link set eth0 up
trace=(-n "$host" trace --from "netns:$ext" --to "netns:$ct1" --no-kernel-drops)
hops=("$ext:eth0" "$host:em1" "$host:br0" "$host:veth-ct1" "$ct1:eth0")
echo "## trace from $ext to $ct1 across $host:br0 with N other ports"
echo
header "other ports on br0"
ports=0
for count in $port_counts; do
    if [ "$count" -gt "$ports" ]; then
        # Bounded: one batch of (count - ports) veth pairs, peers in their own namespace.
        : >"$work/batch"
        for ((i = ports + 1; i <= count; i++)); do
            echo "link add vp$i type veth peer name p$i netns $peers" >>"$work/batch"
            echo "link set vp$i master br0 up" >>"$work/batch"
        done
        ip -n "$host" -batch "$work/batch" || exit 3
        : >"$work/batch"
        for ((i = ports + 1; i <= count; i++)); do echo "link set p$i up" >>"$work/batch"; done
        ip -n "$peers" -batch "$work/batch" || exit 3
        ports=$count
    fi
    report "$count" "lxcdiag trace" -- "$new" "${trace[@]}"
    [ -n "$before" ] && report "$count" "before: lxcdiag trace" -- "$before" "${trace[@]}"
    report "$count" "tcpdump on 5 hops + ping" -- "$here/tcpdump-per-hop.sh" "$ext" 10.215.0.20 "${hops[@]}"
done
cp "$work/out" "$work/last-trace" 2>/dev/null
echo
echo "text output of the last lxcdiag trace above (${ports} other ports):"
"$new" "${trace[@]}" | sed 's/^/    /'
for ns in "$peers" "$ct1" "$ext" "$host"; do ip netns del "$ns"; done
made=()

# --- Containers as namespaces ---------------------------------------------------------------------------------
chost=$prefix-chost
netns "$chost" || exit 3
ip -n "$chost" link add br0 type bridge && ip -n "$chost" link set br0 up
echo
echo "## topo and doctor on a host with C containers (namespaces) on br0"
echo
header "containers"
containers=0
for count in $container_counts; do
    names=()
    for ((i = containers + 1; i <= count; i++)); do
        ns=$(printf '%s-c%04d' "$prefix" "$i")
        netns "$ns" || exit 3
        ip -n "$chost" link add "c$i" type veth peer name eth0 netns "$ns"
        ip -n "$ns" addr add "10.216.$((i / 250)).$((i % 250 + 1))/16" dev eth0
        ip -n "$ns" link set eth0 up
        echo "link set c$i master br0 up" >>"$work/cbatch"
    done
    ip -n "$chost" -batch "$work/cbatch" || exit 3
    : >"$work/cbatch"
    containers=$count
    for ((i = 1; i <= count; i++)); do names+=("$(printf '%s-c%04d' "$prefix" "$i")"); done
    report "$count" "lxcdiag topo" -- "$new" -n "$chost" topo "${names[@]}"
    [ -n "$before" ] && report "$count" "before: lxcdiag topo" -- "$before" -n "$chost" topo "${names[@]}"
    report "$count" "lxcdiag doctor" -- "$new" -n "$chost" doctor "${names[@]}"
    [ -n "$before" ] && report "$count" "before: lxcdiag doctor" -- "$before" -n "$chost" doctor "${names[@]}"
    report "$count" "lxcdiag endpoints" -- "$new" -n "$chost" endpoints
    [ -n "$before" ] && report "$count" "before: lxcdiag endpoints" -- "$before" -n "$chost" endpoints
    # Every namespace under /run/netns, other users' too: the figure includes them.
    report "$count" "arp watch --all-ns 1s" -- "$new" -n "$chost" arp watch --all-namespaces --duration 1s
    [ -n "$before" ] && report "$count" "before: arp watch --all-ns" -- \
        "$before" -n "$chost" arp watch --all-namespaces --duration 1s
    printf '%s\n' "$chost" "${names[@]}" >"$work/names"
    report "$count" "hand-made topo, each ns" -- bash -c \
        'while read -r ns; do ip -n "$ns" -d -j link show; bridge -n "$ns" -j link show; ip -n "$ns" -j addr show; done <"$1" >/dev/null' \
        _ "$work/names"
    report "$count" "ip -d link + nft, each ns" -- bash -c \
        'while read -r ns; do ip -n "$ns" -d link show >/dev/null; ip netns exec "$ns" nft -j list ruleset >/dev/null; done <"$1"' \
        _ "$work/names"
    if [[ " $check_counts " == *" $count "* ]]; then
        # One reach per container, from the first one.
        {
            echo "version: 1"
            echo "name: scale-$count"
            echo "expect:"
            for ((i = 2; i <= count; i++)); do
                echo "  - reach: {from: netns:${names[0]}, to: netns:${names[i - 1]}}"
            done
        } >"$work/plan.yaml"
        report "$count" "check, a reach each" -- "$new" -n "$chost" check "$work/plan.yaml"
        [ -n "$before" ] && report "$count" "before: check, a reach each" -- \
            "$before" -n "$chost" check "$work/plan.yaml"
    fi
done
