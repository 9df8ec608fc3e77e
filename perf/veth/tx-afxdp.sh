#!/usr/bin/env bash
# AF_XDP senders side by side, one core each, copy mode, into the same XDP drop sink:
#   fastpath gen --driver afxdp    vs    the C reference ref/xsk-tx-ref.c
# Prints each round, the medians and the ratio (target: FastPath >= 0.95x the reference).
# Usage: sudo perf/veth/tx-afxdp.sh   (ROUNDS=5 WARMUP=1.5 WINDOW=3 SIZE=60 to change)
source "$(dirname "$0")/lib.sh"
build_reference_tools
FASTPATH=$(fastpath_binary)
make_lab 1
run=$(sender_seconds)

fastpath=() reference=()
for round in $(seq "$ROUNDS"); do
    f=$(measure fastpath "$FASTPATH" gen --iface "$IF_TX" --driver afxdp --size "$SIZE" \
        --src-ip 10.99.0.1 --dst-ip 10.99.0.2 --duration "${run}s")
    r=$(measure reference "$TOOLS/xsk-tx-ref" "$IF_TX" "$run" "$SIZE")
    fastpath+=("$f") reference+=("$r")
    printf 'round %d: fastpath-afxdp %s pps, xsk-tx-ref %s pps\n' "$round" "$f" "$r"
done
mf=$(echo "${fastpath[*]}" | median)
mr=$(echo "${reference[*]}" | median)
printf 'median: fastpath-afxdp %.0f pps, xsk-tx-ref %.0f pps, ratio %s (target >= 0.95)\n' "$mf" "$mr" "$(ratio "$mf" "$mr")"
