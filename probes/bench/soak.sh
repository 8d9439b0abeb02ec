#!/usr/bin/env bash
# Soak: N traces `lxcdiag trace --from ext --to ct1` on a lab of its own, with each run's max RSS and what
# accumulates between runs (tracefs instances, namespaces).
#
#   soak.sh [N] [--lab NAME]        (root; N defaults to 1000, NAME to lxcdiag-soak-PID)
#
# Brings up a --no-lxc lab NAME (and takes it down at the end), then runs the N traces one after the other
# against its endpoint file (LXCDIAG_ENDPOINTS). Per run it records the exit status and max RSS in KiB
# (`/usr/bin/time -f %M`, else the peak VmHWM read from /proc while the run lasts); every 100 runs, and at the
# end, it counts the tracefs instances lxcdiag-PID-* whose PID is one of its runs and the namespaces with the
# lab's prefix. An instance a run left that a later run removed (as stale) shows at one count only; what is
# still there after the last run has accumulated. Prints RSS first/last/min/max/median, the counts, the
# statuses seen and the wall time. Exits 1 when any run failed (status other than 0/1) or something
# accumulated.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=1000 lab=lxcdiag-soak-$$
while [ $# -gt 0 ]; do
    case $1 in
    --lab) lab=$2; shift 2 ;;
    [0-9]*) runs=$1; shift ;;
    *) echo "usage: $0 [N] [--lab NAME]" >&2; exit 2 ;;
    esac
done
lxcdiag=${LXCDIAG:-.build/debug/lxcdiag}
[ -x "$lxcdiag" ] || { echo "build first: swift build (or set LXCDIAG)" >&2; exit 3; }
export LXCDIAG_ENDPOINTS=/run/lxcdiag/labs/$lab.endpoints.json
work=$(mktemp -d /tmp/lxcdiag-soak.XXXXXX)
cleanup() {
    "$lxcdiag" lab down --name "$lab" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$lxcdiag" lab up --no-lxc --name "$lab" >/dev/null
# Other runs of lxcdiag on this machine make and remove instances of their own: what counts is an instance
# lxcdiag-PID-* whose PID is one of the soak's runs (each run's pid is kept in $work/pids).
: >"$work/pids"
instances() {
    ls /sys/kernel/tracing/instances 2>/dev/null | awk -F- -v pids="$work/pids" '
        BEGIN { while ((getline pid < pids) > 0) mine[pid] = 1 }
        /^lxcdiag-/ && ($2 in mine) { n++ }
        END { print n + 0 }'
}
namespaces() { ip netns list | awk '{print $1}' | grep -c "^$lab-" || true; }
instances_before=$(instances) namespaces_before=$(namespaces)

# One trace; prints "STATUS RSS_KIB".
run_once() {
    if [ -x /usr/bin/time ]; then
        set +e
        # bash writes its pid and execs lxcdiag, so the pid is the trace's and %M its max RSS.
        /usr/bin/time -f %M -o "$work/rss" bash -c 'echo $$ >>"$0"; exec "$@"' "$work/pids" \
            "$lxcdiag" trace --from ext --to ct1 >/dev/null 2>"$work/err"
        local status=$?
        set -e
        echo "$status $(tail -n 1 "$work/rss")"
    else
        "$lxcdiag" trace --from ext --to ct1 >/dev/null 2>"$work/err" &
        local pid=$! peak=0 now
        echo "$pid" >>"$work/pids"
        while kill -0 "$pid" 2>/dev/null; do
            now=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
            [ "${now:-0}" -gt "$peak" ] && peak=$now
            sleep 0.01
        done
        set +e
        wait "$pid"
        local status=$?
        set -e
        echo "$status $peak"
    fi
}

start=$(date +%s.%N)
: >"$work/runs"
accumulated=0
for i in $(seq 1 "$runs"); do
    run_once >>"$work/runs"
    if [ $((i % 100)) -eq 0 ] || [ "$i" -eq "$runs" ]; then
        now_instances=$(instances) now_namespaces=$(namespaces)
        echo "after $i runs: tracefs instances of the soak's runs $now_instances (before: $instances_before)," \
            "namespaces $lab-* $now_namespaces (before: $namespaces_before)"
        # A run's instance that a later run removed (as stale) shows once; one that stays accumulates.
        if [ "$i" -eq "$runs" ] && { [ "$now_instances" -gt "$instances_before" ] ||
            [ "$now_namespaces" -ne "$namespaces_before" ]; }; then
            accumulated=1
        fi
    fi
done
end=$(date +%s.%N)

seconds=$(echo "$end - $start" | bc)
count=$(wc -l <"$work/runs")
awk '{print $2}' "$work/runs" | sort -n >"$work/rss-sorted"
printf 'runs %d in %.1f s (%.3f s per trace)\n' "$count" "$seconds" "$(echo "$seconds / $count" | bc -l)"
echo "max RSS KiB: first $(head -n 1 "$work/runs" | cut -d' ' -f2), last $(tail -n 1 "$work/runs" | cut -d' ' -f2)," \
    "min $(head -n 1 "$work/rss-sorted"), median $(sed -n "$(((count + 1) / 2))p" "$work/rss-sorted")," \
    "max $(tail -n 1 "$work/rss-sorted")"
echo "statuses: $(awk '{print $1}' "$work/runs" | sort | uniq -c | awk '{printf "%s x%s ", $2, $1}')"
failed=$(awk '$1 != 0 && $1 != 1' "$work/runs" | wc -l)
[ "$failed" -eq 0 ] || { echo "soak: $failed runs failed; last error: $(cat "$work/err")" >&2; exit 1; }
[ "$accumulated" -eq 0 ] || { echo "soak: tracefs instances or namespaces accumulated" >&2; exit 1; }
