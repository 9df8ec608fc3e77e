#!/usr/bin/env bash
# fastpath sink on one end of a veth pair, a sender on the other: does the sink count every frame that
# reached its interface? For each round the sender (the C reference ref/xsk-tx-ref.c, or `fastpath gen`
# with SENDER=fastpath) runs SECONDS at full speed; the sink starts before and stops after it.
# Prints sent (the sender's completions), delivered to the sink's veth (its rx counter), received by the
# sink, and the sink's own drop counters.
# Usage: sudo perf/veth/rx-sink.sh   (ROUNDS=3 RUN_SECONDS=3 DRIVER=afxdp|afpacket SENDER=ref|fastpath SINK_ARGS=...)
source "$(dirname "$0")/lib.sh"
SECONDS_RUN=${RUN_SECONDS:-3}
DRIVER=${DRIVER:-afxdp}
SENDER=${SENDER:-ref}
build_reference_tools
FASTPATH=$(fastpath_binary)
make_lab 1

veth_rx() { ip -n "$NS_RX" -s -j link show dev "$IF_RX" | grep -o '"rx":{[^}]*}' | grep -o '"packets":[0-9]*' | cut -d: -f2; }

for round in $(seq "$ROUNDS"); do
    log=/tmp/fastpath-perf-$$-sink.json
    before=$(veth_rx)
    # shellcheck disable=SC2086
    ip netns exec "$NS_RX" "$FASTPATH" sink --iface "$IF_RX" --driver "$DRIVER" --duration "$((SECONDS_RUN + 4))s" --json ${SINK_ARGS:-} >"$log" &
    sink=$!
    sleep 2
    if [ "$SENDER" = fastpath ]; then
        sent=$(ip netns exec "$NS_TX" "$FASTPATH" gen --iface "$IF_TX" --driver afxdp --src-ip 10.99.0.1 --dst-ip 10.99.0.2 \
            --size "$SIZE" --duration "${SECONDS_RUN}s" --json | grep -o '"tx_packets":[0-9]*' | cut -d: -f2)
    else
        sent=$(ip netns exec "$NS_TX" "$TOOLS/xsk-tx-ref" "$IF_TX" "$SECONDS_RUN" "$SIZE" | awk '{ print $2 }')
    fi
    wait "$sink"
    delivered=$(( $(veth_rx) - before ))
    received=$(grep -o '"rx_packets":[0-9]*' "$log" | cut -d: -f2)
    drops=$(grep -o '"rx_dropped":[0-9]*\|"rx_ring_full":[0-9]*\|"fill_ring_empty":[0-9]*' "$log" | tr '\n' ' ')
    printf 'round %d: sent %s, delivered to %s %s, sink received %s (%s pps), lost after delivery %s; %s\n' \
        "$round" "$sent" "$IF_RX" "$delivered" "$received" "$(grep -o '"pps":[0-9.]*' "$log" | cut -d: -f2)" \
        "$((delivered - received))" "$drops"
    sleep 0.5
done
