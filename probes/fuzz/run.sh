#!/bin/bash
# Builds the libFuzzer target for the Ethernet/802.1Q and ARP decoders and runs it for a bounded time.
# Usage: probes/fuzz/run.sh [SECONDS]   (default 30). Exits non-zero when the fuzzer finds a crash.
set -euo pipefail
seconds="${1:-30}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d /tmp/lxcdiag-fuzz.XXXXXX)"
trap 'rm -rf "$work"' EXIT
# One module: the codec sources, ARPFrame, and the entry; cross-module imports are dropped.
for file in "$root"/Sources/PacketCodec/*.swift "$root"/Sources/ARPSuite/ARPFrame.swift "$root"/probes/fuzz/ARPDecodersFuzz.swift; do
    sed -E '/^(public |internal )?import PacketCodec$/d' "$file" > "$work/$(basename "$file")"
done
swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name ARPFuzz "$work"/*.swift -o "$work/arp-fuzz"
mkdir -p "$work/corpus"
# Seeds: an untagged and a tagged ARP request.
printf '\xff\xff\xff\xff\xff\xff\x02\x00\x5e\x10\x00\x01\x08\x06\x00\x01\x08\x00\x06\x04\x00\x01\x02\x00\x5e\x10\x00\x01\xc6\x33\x64\x01\x00\x00\x00\x00\x00\x00\xc6\x33\x64\x4d' > "$work/corpus/request"
printf '\xff\xff\xff\xff\xff\xff\x02\x00\x5e\x10\x00\x01\x81\x00\x00\xd3\x08\x06\x00\x01\x08\x00\x06\x04\x00\x01\x02\x00\x5e\x10\x00\x01\xc6\x33\x64\x01\x00\x00\x00\x00\x00\x00\xc6\x33\x64\x4d' > "$work/corpus/tagged"
cd "$work"
# A crash's input is kept in $FUZZ_ARTIFACTS (default /tmp) as lxcdiag-arp-fuzz-crash-*.
artifacts="${FUZZ_ARTIFACTS:-/tmp}"
"$work/arp-fuzz" -max_total_time="$seconds" -max_len=256 -print_final_stats=1 \
    -artifact_prefix="$artifacts/lxcdiag-arp-fuzz-" "$work/corpus"
