#!/usr/bin/env bash
# Runs the bad-input table (Tests/LXCDiagCLITests/bad-inputs.json) against a binary and prints, per category,
# cases / behaved / failed. Usage: probes/bad-inputs.sh [BINARY]   (default: this checkout's debug build).
# "Behaved" is what the test asserts: the documented exit status, exactly one `lxcdiag: ...` line, no crash.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
binary="${1:-$(swift build --show-bin-path)/lxcdiag}"
log="$(mktemp /tmp/lxcdiag-bad-inputs.XXXXXX)"
trap 'rm -f "$log"' EXIT
LXCDIAG_BINARY="$(realpath "$binary")" swift test --skip-build --filter BadInputTests >"$log" 2>&1 || true
python3 - "$log" Tests/LXCDiagCLITests/bad-inputs.json <<'PY'
import json, re, sys
from collections import Counter
cases = json.load(open(sys.argv[2]))
total = Counter(c["category"] for c in cases)
failed = set()
for line in open(sys.argv[1], errors="replace"):
    m = re.search(r"✘ Test badInput\(_:\) recorded an issue with 1 argument input → (.*?): lxcdiag (.*?) at ", line)
    if m:
        failed.add((m.group(1), m.group(2)))
bad = Counter(c for c, _ in failed)
print(f"{'category':16} {'cases':>5} {'behaved':>7} {'failed':>6}")
for cat in sorted(total):
    print(f"{cat:16} {total[cat]:5} {total[cat]-bad[cat]:7} {bad[cat]:6}")
print(f"{'all':16} {sum(total.values()):5} {sum(total.values())-len(failed):7} {len(failed):6}")
PY
