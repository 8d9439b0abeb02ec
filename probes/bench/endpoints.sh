#!/usr/bin/env bash
# Benchmark: `lxcdiag endpoints` on endpoint files of SMALL and LARGE entries (default 30,000 and 120,000), for
# each binary given, in this one run. Linear work shows as a time ratio close to LARGE/SMALL (4x); the old
# quadratic lookup showed 12x (6.5 s and 77 s). Entries name namespaces that do not exist, so nothing is entered
# and nothing is sent: the cost measured is reading the file and resolving every name.
#
#   probes/bench/endpoints.sh [SMALL] [LARGE] [BINARY...]     (root; default binary: this checkout's release or
#                                                             debug build)
set -euo pipefail
small=${1:-30000}
large=${2:-120000}
shift $(( $# >= 2 ? 2 : $# ))
cd "$(dirname "$0")/../.."
binaries=("$@")
if [ ${#binaries[@]} -eq 0 ]; then
    for candidate in .build/release/lxcdiag .build/debug/lxcdiag; do
        [ -x "$candidate" ] && { binaries=("$candidate"); break; }
    done
fi
[ ${#binaries[@]} -gt 0 ] || { echo "endpoints.sh: build lxcdiag first" >&2; exit 3; }
[ "$(id -u)" -eq 0 ] || { echo "endpoints.sh: needs root" >&2; exit 3; }
work=$(mktemp -d /tmp/lxcdiag-bench-endpoints.XXXXXX)
trap 'rm -rf "$work"' EXIT
for n in "$small" "$large"; do
    python3 - "$n" > "$work/$n.json" <<'PY'
import json, sys
n = int(sys.argv[1])
entries = [{"name": f"e{i}", "kind": "netns", "netns": f"lxcdiag-bench-absent-{i}", "interface": "eth0",
            "ip": f"198.18.{i // 256 % 256}.{i % 256}"} for i in range(n)]
print(json.dumps({"schema": "lxcdiag.endpoints/1", "endpoints": entries}))
PY
done
printf '%-40s %10s %10s %7s\n' binary "$small" "$large" ratio
for binary in "${binaries[@]}"; do
    times=()
    for n in "$small" "$large"; do
        start=$(date +%s.%N)
        "$binary" endpoints --endpoints "$work/$n.json" > /dev/null 2>&1 || true
        end=$(date +%s.%N)
        times+=("$(echo "$end - $start" | bc)")
    done
    printf '%-40s %9.2fs %9.2fs %6.1fx\n' "$binary" "${times[0]}" "${times[1]}" "$(echo "${times[1]} / ${times[0]}" | bc -l)"
done
