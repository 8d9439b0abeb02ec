#!/usr/bin/env bash
# For every `lab break` fault: what the kernel's own `ping` and `arping` from the trace's source experience, and
# what the printed `see it:` command (run exactly as printed, with --json) says: verdict, first code, where, exit.
# They must agree: ping fails <=> the verdict is not reachable.
#
#   probes/bench/fault-table.sh [LXCDIAG]     (root; builds and removes its own lab lxcdiag-ftNNN)
set -euo pipefail
cd "$(dirname "$0")/../.."
lxcdiag=${1:-$(ls .build/release/lxcdiag .build/debug/lxcdiag 2>/dev/null | head -1)}
[ -x "$lxcdiag" ] || { echo "fault-table.sh: build lxcdiag first" >&2; exit 3; }
[ "$(id -u)" -eq 0 ] || { echo "fault-table.sh: needs root" >&2; exit 3; }
lab=lxcdiag-ft$$
endpoints=/run/lxcdiag/labs/$lab.endpoints.json
cleanup() { "$lxcdiag" lab fix --all --name "$lab" >/dev/null 2>&1 || true; "$lxcdiag" lab down --name "$lab" >/dev/null 2>&1 || true; }
trap cleanup EXIT
trap 'exit 130' INT TERM
"$lxcdiag" lab up --name "$lab" >/dev/null
# The command prefix that runs a tool in endpoint $1's namespace, and its address and interface, from the file.
inside() {
    python3 - "$endpoints" "$1" <<'PY'
import json, subprocess, sys
entries = {e["name"]: e for e in json.load(open(sys.argv[1]))["endpoints"]}
name = sys.argv[2]
e = entries["host" if name.startswith("iface:") else name]
if "netns" in e:
    print(f"ip netns exec {e['netns']}")
else:
    pid = subprocess.run(["ip", "netns", "exec", e["starterNetns"], "lxc-info", "-n", e["container"], "-p", "-H"],
                         capture_output=True, text=True).stdout.strip()
    print(f"nsenter --net=/proc/{pid}/ns/net")
PY
}
field() { python3 -c "import json,sys; print({e['name']: e for e in json.load(open('$endpoints'))['endpoints']}['$1'].get('$2',''))"; }
echo "| fault | ping from the source | arping from the source | trace verdict | first error code | at | exit |"
echo "|---|---|---|---|---|---|---|"
for fault in $("$lxcdiag" lab break --list | awk '{print $1}'); do
    see=$("$lxcdiag" lab break "$fault" --name "$lab" | sed -n 's/^see it: \(.*\)   (expect.*/\1/p')
    from=$(echo "$see" | sed 's/.*--from \([^ ]*\).*/\1/'); to=$(echo "$see" | sed 's/.*--to \([^ ]*\).*/\1/')
    prefix=$(inside "$from"); ip=$(field "$to" ip)
    iface=$( [[ $from == iface:* ]] && echo "${from#iface:}" || field "$from" interface )
    ping=$($prefix ping -c 1 -W 1 -I "$iface" "$ip" >/dev/null 2>&1 && echo answered || echo fails)
    arping=$($prefix arping -c 1 -w 1 -I "$iface" "$ip" >/dev/null 2>&1 && echo answered || echo "no answer")
    set +e
    json=$(${see/lxcdiag/$lxcdiag} --json 2>/dev/null); status=$?
    set -e
    read -r verdict code at < <(python3 -c '
import json, sys
d = json.loads(sys.stdin.read() or "{}")
errors = [f for f in d.get("findings", []) if f.get("severity") == "error"] or d.get("findings", [])
f = errors[0] if errors else {}
w = f.get("where") or {}
print(d.get("verdict", "-"), f.get("code", "-"), (w.get("node", "") + ":" + w.get("interface", "")) if w else "-")
' <<<"$json")
    echo "| $fault | $ping | $arping | $verdict | $code | $at | $status |"
    "$lxcdiag" lab fix "$fault" --name "$lab" >/dev/null 2>&1 || true
done
