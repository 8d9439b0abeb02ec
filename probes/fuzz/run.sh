#!/bin/bash
# Builds one libFuzzer target per decoder of outside input and runs each for a bounded time:
#   arp        Ethernet/802.1Q and ARP (PacketCodec, ARPSuite's ARPFrame)              ARPDecodersFuzz.swift
#   netlink    rtnetlink dumps: split, attributes, link/address/route/neighbour payloads, and Topology's
#              decoding of a dump into a NamespaceSnapshot                              NetlinkDecodersFuzz.swift
#   tracefs    trace_pipe lines (TraceRecord), DropMatcher, /proc/kallsyms (KernelSymbols) TraceRecordsFuzz.swift
#   endpoints  the endpoint file (EndpointRegistry.decode)                              EndpointFileFuzz.swift
#   frames     captured frames: IPv4/ICMP, ProbeFrames.classify, the pcapng writer      CapturedFramesFuzz.swift
# Not fuzzed yet: the plan parser (issue 12) does not exist; give it a target here when it lands.
# Left out because they need a C module or consume no outside bytes: NetlinkSocket (CLinuxNet), ObservationLog
# (LinuxNet's clock; the frames target fuzzes the classify it runs per frame), TraceCorrelation (works on the
# observations the tracer made, not on input), PacketCapture's libpcap side (CPcap).
#
# Usage: probes/fuzz/run.sh [SECONDS]   seconds per target (default 15, so about 75 s of fuzzing plus the builds).
# Each target is one module: the decoder's sources and the entry compiled together with
# `swiftc -sanitize=fuzzer,address -O -wmo` (whole-module, so PacketCodec's generic checksum is specialised:
# unspecialised, the frames target ran about 8x slower), imports of the package's own modules stripped. Files that need a C module
# (CLinuxNet, CPcap) are left out; where a pure declaration lives in such a file it is cut out of it with sed
# (see each target), so the fuzzed code is always the package's own text. Targets build one after another.
# Prints executions and coverage per target; exits non-zero when a target does not build or its fuzzer finds a
# crash, a hang (10 s per input) or a broken invariant. Crashing inputs are kept in $FUZZ_ARTIFACTS (default
# /tmp) as lxcdiag-TARGET-fuzz-crash-*. FUZZ_KEEP=1 keeps the build folder (named at the end) to replay one:
# FOLDER/TARGET/TARGET-fuzz CRASH-FILE.
set -euo pipefail
seconds="${1:-15}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
fuzz="$root/probes/fuzz"
artifacts="${FUZZ_ARTIFACTS:-/tmp}"
work="$(mktemp -d /tmp/lxcdiag-fuzz.XXXXXX)"
if [ "${FUZZ_KEEP:-0}" = 1 ]; then trap 'echo "fuzz: build folder kept in $work"' EXIT; else trap 'rm -rf "$work"' EXIT; fi
# Swift's own crash backtracer fights AddressSanitizer; libFuzzer prints the stack instead.
export SWIFT_BACKTRACE=enable=no

own_imports='/^(@_implementationOnly |public |internal |package )?import (ARPSuite|KernelDrops|LinuxNet|Netlink|NetworkModel|PacketCapture|PacketCodec|Topology|Trace)$/d'

# stage TARGET FILE [SED-SCRIPT]: copies FILE into TARGET's module, own imports stripped, SED-SCRIPT applied.
stage() {
    mkdir -p "$work/$1/src"
    # One module: every import at the default level, so no two files import one module at different levels.
    sed -E "$own_imports" "$2" | sed -E 's/^(package|internal|public) import /import /' | sed -E "${3:-}" \
        > "$work/$1/src/$(basename "$2")"
}

stage_codec() { for file in "$root"/Sources/PacketCodec/*.swift; do stage "$1" "$file"; done; }

stage_arp() {
    stage_codec arp
    stage arp "$root/Sources/ARPSuite/ARPFrame.swift"
    stage arp "$fuzz/ARPDecodersFuzz.swift"
}

stage_netlink() {
    stage_codec netlink
    for file in "$root"/Sources/Netlink/*.swift; do
        case "$file" in
            # The socket needs CLinuxNet; the decoders need only its errno text.
            */NetlinkSocket.swift) stage netlink "$file" '/^(import Glibc|func errnoName.*)$/!d' ;;
            *) stage netlink "$file" ;;
        esac
    done
    for file in "$root"/Sources/Topology/Decoding/*.swift "$root"/Sources/Topology/Model/*.swift; do
        stage netlink "$file"
    done
    # The recorded form of a dump, without the initializer that dumps through a socket.
    stage netlink "$root/Sources/Topology/Capture/NamespaceDump.swift" '/package init\(socket: NetlinkSocket\)/,/^    }$/d'
    stage netlink "$fuzz/NetlinkDecodersFuzz.swift"
}

stage_tracefs() {
    for name in TraceRecord KernelDrop DropMatcher; do stage tracefs "$root/Sources/KernelDrops/$name.swift"; done
    # Without index(of:), which asks the kernel (LinuxNet's syscalls).
    stage tracefs "$root/Sources/LinuxNet/InterfaceName.swift" '/package static func index\(of name: String\)/d'
    stage tracefs "$root/Sources/KernelDrops/TracingError.swift"
    # Without `running()`, which reads /proc/kallsyms through TracefsFiles (Glibc).
    stage tracefs "$root/Sources/KernelDrops/KernelSymbols.swift" '/package static func running\(\)/,/^    }$/d'
    stage tracefs "$fuzz/TraceRecordsFuzz.swift"
}

stage_endpoints() {
    stage_codec endpoints
    for file in "$root"/Sources/NetworkModel/*.swift; do stage endpoints "$file"; done
    # NetworkNamespace (RegisteredEndpoint.namespace) without identity(), which needs LinuxNet's syscalls.
    stage endpoints "$root/Sources/LinuxNet/NetworkNamespace.swift" \
        '/^package enum NetworkNamespace/,/^}$/!d; /package func identity\(\)/,/^    }$/d'
    stage endpoints "$fuzz/EndpointFileFuzz.swift"
}

stage_frames() {
    stage_codec frames
    stage frames "$root/Sources/Trace/ProbeFrames.swift"
    # The probes' frames and matching, without the probes through the source's own stack (they need sockets).
    local stack='/^(package |private )?(struct|protocol) (Stack[A-Za-z]*|TCPStackProbe|UDPStackProbe|TransportExchange)[:( ]/,/^}$/d'
    stage frames "$root/Sources/Trace/TraceProbe.swift" "$stack; /StackEchoProbe\(size:/d; s/, (TCP|UDP)StackProbe\(port: port.number\)\]/]/"
    for name in ICMPProbes TCPProbe UDPProbe; do stage frames "$root/Sources/Trace/$name.swift" "$stack"; done
    # The pcapng encoder without the streaming writer (it writes through LinuxNet's FileDescriptor).
    stage frames "$root/Sources/PacketCapture/PcapngFile.swift" '/^package final class PcapngWriter/,/^}$/d'
    # CapturedFrame, the one pure type of PacketCapture.swift (the rest needs CPcap), and the direction it carries.
    stage frames "$root/Sources/PacketCapture/PacketCapture.swift" '/^package struct CapturedFrame/,/^}$/!d'
    stage frames "$root/Sources/LinuxNet/PacketSocket.swift" '/^package enum PacketDirection/,/^}$/!d'
    stage frames "$fuzz/CapturedFramesFuzz.swift"
}

# Seeds: recorded fixtures copied in at run time; the netlink, endpoints and frames entries also write seeds made
# by the real encoders (their LLVMFuzzerInitialize, into $LXCDIAG_FUZZ_SEEDS): an NLMSG_ERROR reply, the endpoint
# file as the lab writes it, the trace's probe frames and their replies.
seed() {
    local corpus="$work/$1/corpus"
    mkdir -p "$corpus"
    case "$1" in
        arp)
            # An untagged and a tagged ARP request.
            printf '\xff\xff\xff\xff\xff\xff\x02\x00\x5e\x10\x00\x01\x08\x06\x00\x01\x08\x00\x06\x04\x00\x01\x02\x00\x5e\x10\x00\x01\xc6\x33\x64\x01\x00\x00\x00\x00\x00\x00\xc6\x33\x64\x4d' > "$corpus/request"
            printf '\xff\xff\xff\xff\xff\xff\x02\x00\x5e\x10\x00\x01\x81\x00\x00\xd3\x08\x06\x00\x01\x08\x00\x06\x04\x00\x01\x02\x00\x5e\x10\x00\x01\xc6\x33\x64\x01\x00\x00\x00\x00\x00\x00\xc6\x33\x64\x4d' > "$corpus/tagged"
            ;;
        netlink)
            # Every recorded dump (links, addresses, routes, neighbours, fdb of each namespace).
            local fixtures="$root/Tests/TopologyTests/Fixtures" file name
            while IFS= read -r file; do
                name="${file#"$fixtures"/}"
                cp "$file" "$corpus/${name//\//-}"
            done < <(find "$fixtures" -name '*.bin')
            ;;
        tracefs)
            # The recorded trace whole, each of its event lines alone, and the kallsyms excerpt.
            local fixtures="$root/Tests/KernelDropsTests/Fixtures" line index=0
            cp "$fixtures/veth-drops.trace" "$fixtures/kallsyms-excerpt.txt" "$corpus/"
            while IFS= read -r line; do
                index=$((index + 1))
                printf '%s\n' "$line" > "$corpus/line-$index"
            done < <(grep -v '^#' "$fixtures/veth-drops.trace")
            ;;
        endpoints)
            # The example in the endpoint file's documentation.
            sed -n '/^```json$/,/^```$/{/^```/d;p}' "$root/docs/endpoints.md" > "$corpus/documented.json"
            ;;
    esac
}

printf '%-10s %10s %8s  %s\n' target executions cov result > "$work/summary"
failed=0
for target in arp netlink tracefs endpoints frames; do
    "stage_$target" "$target"
    stage "$target" "$fuzz/FuzzCheck.swift"
    seed "$target"
    binary="$work/$target/$target-fuzz"
    # ld.gold warns for every ASan symbol it cannot export; those warnings say nothing about the target.
    if ! swiftc -sanitize=fuzzer,address -parse-as-library -O -wmo -module-name "${target^}Fuzz" -package-name lxcdiag \
        "$work/$target"/src/*.swift -o "$binary" 2> >(grep -v 'Cannot export local symbol' >&2); then
        printf '%-10s %10s %8s  %s\n' "$target" - - "BUILD FAILED" >> "$work/summary"
        failed=1
        continue
    fi
    options=(-max_total_time="$seconds" -timeout=10 -print_final_stats=1
        -artifact_prefix="$artifacts/lxcdiag-$target-fuzz-")
    [ "$target" = arp ] && options+=(-max_len=256)
    [ -f "$fuzz/$target.dict" ] && options+=(-dict="$fuzz/$target.dict")
    log="$work/$target/fuzz.log"
    echo "== fuzz $target (${seconds}s)"
    status=0
    (cd "$work/$target" && LXCDIAG_FUZZ_SEEDS="$work/$target/corpus" "$binary" "${options[@]}" corpus) \
        > "$log" 2>&1 || status=$?
    executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    coverage=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    result=ok
    if [ "$status" -ne 0 ]; then
        result="FAILED (exit $status) $(sed -n 's/.*Test unit written to //p' "$log" | tail -1)"
        failed=1
        # What failed and where: libFuzzer's report without the recommended dictionary.
        grep -v '^"' "$log" | grep -A40 -m1 -E 'Fatal error|ERROR: libFuzzer|ERROR: AddressSanitizer|==ERROR' >&2 || tail -40 "$log" >&2
    fi
    printf '%-10s %10s %8s  %s\n' "$target" "${executions:--}" "${coverage:--}" "$result" >> "$work/summary"
done
cat "$work/summary"
exit "$failed"
