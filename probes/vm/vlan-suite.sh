#!/usr/bin/env bash
# The VLAN suite: runs inside the VM (probes/vm.sh probes/vm/vlan-suite.sh), where the kernel has 802.1Q,
# VLAN-filtering bridges and netem. Builds both VLAN labs with plain namespaces, traces across both VLANs,
# makes every fault that needs this kernel for real and checks what trace names. Prints one line per check
# (PASS/FAIL), a table of the faults, the seconds each part took; exits 1 when a check fails.
#   probes/vm/vlan-suite.sh [subinterfaces] [vlan-aware]     (both when none is named)
set -uo pipefail
cd "$(dirname "$0")/../.."
command -v lxcdiag >/dev/null || { echo "vlan-suite: lxcdiag is not on PATH (build first)" >&2; exit 1; }
lab=lxv-vm
endpoints=/run/lxcdiag/labs/$lab.endpoints.json
out=probes/vm/out
failures=0
table=()
started=$(date +%s)
trap 'lxcdiag lab down --name $lab >/dev/null 2>&1' EXIT
parts=${*:-subinterfaces vlan-aware}

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
fault loss ext ct1
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

for part in $parts; do
    case $part in
        subinterfaces) subinterfaces ;;
        vlan-aware) vlan_aware ;;
        *) echo "vlan-suite: no part called $part (subinterfaces, vlan-aware)" >&2; exit 2 ;;
    esac
done
echo "== faults made for real: fault | verdict | findings (code@hop)"
printf '%s\n' "${table[@]}"
echo "vlan-suite: $(( $(date +%s) - started )) s, $failures failed"
[ "$failures" -eq 0 ]
