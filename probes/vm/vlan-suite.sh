#!/usr/bin/env bash
# The VLAN suite: runs inside the VM (probes/vm.sh probes/vm/vlan-suite.sh), where the kernel has 802.1Q,
# VLAN-filtering bridges and netem. Builds both VLAN labs with plain namespaces, traces across both VLANs,
# makes every fault that needs this kernel for real (the netem ones, loss and delay, on a plain lab with
# trace --count), traces ipvlan children (l2, l3) and checks what trace names. Prints one line per check
# (PASS/FAIL), a table of the faults, the seconds each part took; exits 1 when a check fails.
#   probes/vm/vlan-suite.sh [subinterfaces] [vlan-aware] [netem] [ipvlan]     (all when none is named)
set -uo pipefail
cd "$(dirname "$0")/../.."
command -v lxcdiag >/dev/null || { echo "vlan-suite: lxcdiag is not on PATH (build first)" >&2; exit 1; }
lab=lxv-vm
endpoints=/run/lxcdiag/labs/$lab.endpoints.json
out=probes/vm/out
failures=0
table=()
started=$(date +%s)
trap 'lxcdiag lab down --name $lab >/dev/null 2>&1; ipvlan_down' EXIT
parts=${*:-subinterfaces vlan-aware netem ipvlan}

check() { # check NAME EXPRESSION-ON-JSON FILE: a jq expression that must be true
    if jq -e "$2" "$3" >/dev/null 2>&1; then echo "PASS $1"; else echo "FAIL $1 ($2)"; failures=$((failures + 1)); fi
}
trace() { # trace NAME FROM TO: the trace's JSON in $out/NAME.json, its text on stdout
    timeout 120 lxcdiag trace --from "$2" --to "$3" --endpoints "$endpoints" --json >"$out/$1.json" 2>"$out/$1.err"
    echo "trace $1 ($2 -> $3): exit $?"
}
# The em1 hop's tags: the request's VLAN there.
em1_tag='[.probes[0].hops[] | select(.interface == "em1") | .request.vlan_ids] | first'
named() { # the findings of a trace as CODE@LOCATION
    jq -r '[.findings[] | "\(.code)@\(.where.node // "-"):\(.where.interface // "-")"] | join(" ")' "$1"
}
healthy() { # healthy STYLE FROM TO VID: reachable, no error-level finding, tagged VID on em1
    local file="$out/$1-$2-$3.json"
    trace "$1-$2-$3" "$2" "$3"
    check "$1 $2 -> $3 reachable, no error finding" \
        '.verdict == "reachable" and ([.findings[] | select(.severity == "error")] | length == 0)' "$file"
    check "$1 $2 -> $3 tagged $4 on em1" "$em1_tag == [$4]" "$file"
}
fault() { # fault NAME FROM TO: break, trace, record what trace named, fix
    local name=$1
    lxcdiag lab break "$name" --name "$lab" >"$out/break-$name.txt" 2>&1 || {
        echo "FAIL lab break $name: $(tail -n 1 "$out/break-$name.txt")"; failures=$((failures + 1)); return; }
    trace "fault-$name" "$2" "$3"
    local file="$out/fault-$name.json"
    table+=("$name | $(jq -r .verdict "$file") | $(named "$file")")
    lxcdiag lab fix "$name" --name "$lab" >/dev/null 2>&1 || { echo "FAIL lab fix $name"; failures=$((failures + 1)); }
}

seen() { # seen NAME BREAK-ARGUMENTS...: lab break, then the printed see-it command as printed (its JSON, exit)
    local name=$1; shift
    lxcdiag lab break "$@" --name "$lab" >"$out/break-$name.txt" 2>&1 || {
        echo "FAIL lab break $*: $(tail -n 1 "$out/break-$name.txt")"; failures=$((failures + 1)); return 1; }
    local hint
    hint=$(sed -n 's/^see it: \(lxcdiag .*\)   (expect \([A-Z_]*\), exit \([0-9]\))$/\1/p' "$out/break-$name.txt")
    [ -n "$hint" ] || { echo "FAIL lab break $*: no see-it line"; failures=$((failures + 1)); return 1; }
    echo "see it ($name): $hint"
    # shellcheck disable=SC2086 # the hint is split into words as a shell would
    timeout 120 $hint --json >"$out/fault-$name.json" 2>"$out/fault-$name.err"
    seen_status=$?
    table+=("$name ($*) | $(jq -r .verdict "$out/fault-$name.json") | $(named "$out/fault-$name.json")")
}
# The netem faults with a burst (trace --count): loss named PACKET_LOSS where netem sits, its rate measured at that
# source within 10% to 50% for netem's 30% (50 requests: over 3 standard deviations either way); delay named LATENCY
# at the chosen hop, its added minimum delay there between 50 ms (netem's) and 150 ms; check's latency fails.
netem_faults() {
    local file
    if seen loss loss; then
        file=$out/fault-loss.json
        check "loss: see-it exits 1" "$seen_status == 1" <(echo null)
        # The hop is not asserted here: under software emulation the captures miss 20-40% of a burst's frames, so
        # loss is seen to start at the first hop after the source. Where captures keep up (BurstLabTests, on the
        # host's kernel, an nft rule dropping every second request) the hop is asserted exactly.
        check "loss: PACKET_LOSS named, degraded" \
            '.verdict == "degraded" and ([.findings[] | select(.code == "PACKET_LOSS")] | length == 1)' "$file"
        echo "loss named at: $(jq -r '[.findings[] | select(.code == "PACKET_LOSS") | "\(.where.node):\(.where.interface)"] | join(" ")' "$file")"
        check "loss: no MTU_MISMATCH" '[.findings[] | select(.code == "MTU_MISMATCH" or .code == "mtu-mismatch")] | length == 0' "$file"
        check "loss: rate at the source within 0.10..0.50" '.burst.loss_rate >= 0.10 and .burst.loss_rate <= 0.50' "$file"
        echo "measured loss (netem 30%): $(jq -r '.burst | "source \(.loss_rate), at veth-ct1 \(.hops[] | select(.interface == "veth-ct1" and .side == false) | .request_loss)"' "$file")"
        lxcdiag lab fix loss --name "$lab" >/dev/null 2>&1 || { echo "FAIL lab fix loss"; failures=$((failures + 1)); }
    fi
    if seen delay delay --hop ext:sw-em1; then
        file=$out/fault-delay.json
        check "delay: see-it exits 1" "$seen_status == 1" <(echo null)
        check "delay: LATENCY at ext:sw-em1, reachable" \
            '.verdict == "reachable" and ([.findings[] | select(.code == "LATENCY" and .where.interface == "sw-em1")] | length == 1)' "$file"
        local added='[.burst.hops[] | select(.side == false and (.interface == "sw-em1" or .interface == "sw-cli"))] | (.[1].request_latency.min_ns - .[0].request_latency.min_ns)'
        check "delay: added at sw-em1 within 50..150 ms" "($added) as \$a | \$a >= 50000000 and \$a < 150000000" "$file"
        echo "measured delay (netem 50 ms at ext:sw-em1): added $(jq -r "$added / 1000000" "$file") ms, round trip $(jq -r '.burst.rtt | "\(.min_ns / 1000000)/\(.avg_ns / 1000000)/\(.max_ns / 1000000)"' "$file") ms min/avg/max"
        printf 'version: 1\nname: vm-latency\nexpect:\n  - reach: {from: ext, to: ct1}\n  - latency: {from: ext, to: ct1, under: 20ms}\n' >"$out/latency.yaml"
        timeout 120 lxcdiag check "$out/latency.yaml" --endpoints "$endpoints" --json >"$out/check-latency.json" 2>"$out/check-latency.err"
        check "delay: check exits 1" "$? == 1" <(echo null)
        check "delay: check's latency fails with LATENCY, reach passes" \
            '(.results[] | select(.kind == "latency") | .result == "fail" and (.codes | index("LATENCY") != null)) and (.results[] | select(.kind == "reach") | .result == "pass")' \
            "$out/check-latency.json"
        lxcdiag lab fix delay --name "$lab" >/dev/null 2>&1 || { echo "FAIL lab fix delay"; failures=$((failures + 1)); }
    fi
}

subinterfaces() {
echo "== lab up --vlan (em1.211 and em1.103 in br0)"
t=$(date +%s)
lxcdiag lab up --no-lxc --vlan --name "$lab" || { echo "FAIL lab up --vlan"; failures=$((failures + 1)); return; }
echo "lab up --vlan: $(( $(date +%s) - t )) s"
lxcdiag path --from ext --to ct1 --endpoints "$endpoints"
lxcdiag path --from ext103 --to ct2 --endpoints "$endpoints" --json >"$out/path-ext103-ct2.json"
check "--vlan path ext103 -> ct2 crosses a VLAN subinterface" \
    '[.hops[] | select(.reason == "vlan-child")] | length == 1' "$out/path-ext103-ct2.json"
lxcdiag topo >"$out/topo-vlan.txt" 2>&1
grep -q "em1.211" "$out/topo-vlan.txt" || { echo "FAIL topo does not show em1.211"; failures=$((failures + 1)); }
healthy vlan ext ct1 211
healthy vlan ext103 ct2 103
t=$(date +%s)
fault vlan-wrong-vid ext ct1
check "vlan-wrong-vid: VLAN_MISMATCH at host:em1" \
    '[.findings[] | select(.code == "VLAN_MISMATCH" and .where.interface == "em1")] | length > 0' \
    "$out/fault-vlan-wrong-vid.json"
fault vlan-trunk-missing ext103 ct2
check "vlan-trunk-missing: VLAN_MISMATCH at ext:sw-em1" \
    '.findings[0].code == "VLAN_MISMATCH" and .findings[0].where.interface == "sw-em1"' \
    "$out/fault-vlan-trunk-missing.json"
echo "faults on --vlan: $(( $(date +%s) - t )) s"
lxcdiag lab down --name "$lab" >/dev/null
}

vlan_aware() {
echo "== lab up --vlan-aware (one br0, vlan_filtering 1)"
t=$(date +%s)
lxcdiag lab up --no-lxc --vlan-aware --name "$lab" || {
    echo "FAIL lab up --vlan-aware"; failures=$((failures + 1)); return; }
echo "lab up --vlan-aware: $(( $(date +%s) - t )) s"
healthy vlan-aware ext ct1 211
healthy vlan-aware ext103 ct2 103
trace aware-ext103-ct1 ext103 ct1
check "--vlan-aware ext103 -> ct1 (other VLAN) unreachable" '.verdict == "unreachable"' "$out/aware-ext103-ct1.json"
fault vlan-missing-pvid ext ct1
check "vlan-missing-pvid: VLAN_MISMATCH at host:veth-ct1" \
    '.findings[0].code == "VLAN_MISMATCH" and .findings[0].where.interface == "veth-ct1"' \
    "$out/fault-vlan-missing-pvid.json"

}

# The netem faults on the plain lab (its path walk is the tested one; on the --vlan lab the walk loses the host's
# hops once sw0 has learned ct1's MAC in VLAN 211).
netem() {
echo "== lab up (plain) for the netem faults"
t=$(date +%s)
lxcdiag lab up --no-lxc --name "$lab" >/dev/null || { echo "FAIL lab up"; failures=$((failures + 1)); return; }
echo "lab up: $(( $(date +%s) - t )) s"
netem_faults
echo "netem faults: $(( $(date +%s) - t )) s (lab up included)"
lxcdiag lab down --name "$lab" >/dev/null
}

# ipvlan as Docker's driver makes it: a child of a parent in another namespace, with the parent's MAC. Plain
# namespaces: lxv-ivh holds the parents ivp2 (l2) and ivp3 (l3), each a veth to an outside namespace (lxv-ivo2,
# lxv-ivo3); the children are eth0 of lxv-iv2 and lxv-iv3. In L3 mode the child (NOARP) answers no ARP, so the
# outside has a permanent neighbour entry (as a router's route would give) and the host routes the child's replies.
ivns="lxv-ivh lxv-ivo2 lxv-ivo3 lxv-iv2 lxv-iv3"
ipvlan_down() { for ns in $ivns; do ip netns del "$ns" 2>/dev/null; done; }
ipvlan() {
echo "== ipvlan (l2 and l3 children of veth parents)"
t=$(date +%s)
ipvlan_down
for ns in $ivns; do
    ip netns add "$ns" && ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
for mode in 2 3; do
    local parent=ivp$mode child=lxv-iv$mode outside=lxv-ivo$mode name=l$mode
    ip -n "$outside" link add eth0 type veth peer name "$parent" netns lxv-ivh
    ip -n lxv-ivh link add "iv$mode" link "$parent" type ipvlan mode "$name"
    ip -n lxv-ivh link set "iv$mode" netns "$child"
    ip -n "$child" link set "iv$mode" name eth0
    ip -n "$outside" addr add "10.77.$mode.1/24" dev eth0
    ip -n "$child" addr add "10.77.$mode.11/24" dev eth0
    for ns in "$outside" "$child" lxv-ivh; do ip -n "$ns" link set lo up; done
    ip -n "$outside" link set eth0 up; ip -n lxv-ivh link set "$parent" up; ip -n "$child" link set eth0 up
done
ip -n lxv-ivh addr add 10.77.3.2/24 dev ivp3
ip -n lxv-ivo3 neigh replace 10.77.3.11 lladdr "$(ip -n lxv-ivh -j link show dev ivp3 | jq -r '.[0].address')" dev eth0 nud permanent
lxcdiag topo >"$out/topo-ipvlan.txt" 2>&1
for mode in "ipvlan l2" "ipvlan l3"; do
    if grep -q "$mode" "$out/topo-ipvlan.txt"; then echo "PASS topo shows $mode"; else
        echo "FAIL topo does not show $mode"; failures=$((failures + 1)); fi
done
for mode in 2 3; do
    lxcdiag path --from "netns:lxv-ivo$mode" --to "netns:lxv-iv$mode" --json >"$out/path-ipvlan-l$mode.json"
    check "ipvlan l$mode path: ivp$mode -> child, reachable" \
        '.reachable and ([.hops[] | select(.reason == "ipvlan-child" and .node == "lxv-iv'$mode'")] | length == 1) and ([.hops[] | select(.interface == "ivp'$mode'")] | length == 1)' \
        "$out/path-ipvlan-l$mode.json"
done
for mode in 2 3; do
    timeout 120 lxcdiag trace --from "netns:lxv-ivo$mode" --to "netns:lxv-iv$mode" --count 10 --json \
        >"$out/ipvlan-l$mode.json" 2>"$out/ipvlan-l$mode.err"
    table+=("ipvlan l$mode (healthy) | $(jq -r .verdict "$out/ipvlan-l$mode.json") | $(named "$out/ipvlan-l$mode.json")")
    check "ipvlan l$mode: the stack probe and the burst answered; ivp$mode and the child saw all 10 requests" \
        '(.probes[] | select(.kind == "stack") | .result == "answered") and .burst.answered == 10 and ([.burst.hops[] | select(.interface == "ivp'$mode'" or .node == "lxv-iv'$mode'") | .requests_seen] == [10, 10])' \
        "$out/ipvlan-l$mode.json"
done
check "ipvlan l2: reachable" '.verdict == "reachable"' "$out/ipvlan-l2.json"
check "ipvlan l3: the ARP request reaches the child, which answers none (NOARP); named target-silent there" \
    '(.probes[] | select(.kind == "arp") | .hops[] | select(.node == "lxv-iv3") | .request.seen and (.reply.seen | not)) and ([.findings[] | select(.code == "target-silent" and .where.node == "lxv-iv3")] | length == 1)' \
    "$out/ipvlan-l3.json"
ipvlan_down
echo "ipvlan: $(( $(date +%s) - t )) s"
}

for part in $parts; do
    case $part in
        subinterfaces) subinterfaces ;;
        vlan-aware) vlan_aware ;;
        netem) netem ;;
        ipvlan) ipvlan ;;
        *) echo "vlan-suite: no part called $part (subinterfaces, vlan-aware, netem, ipvlan)" >&2; exit 2 ;;
    esac
done
echo "== faults made for real: fault | verdict | findings (code@hop)"
printf '%s\n' "${table[@]}"
echo "vlan-suite: $(( $(date +%s) - started )) s, $failures failed"
[ "$failures" -eq 0 ]
