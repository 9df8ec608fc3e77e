#!/usr/bin/env bash
# ICMP echo responders side by side on the same lab, the same sender, one run:
#   the Linux kernel's own responder (an address on the interface)   vs   fastpath respond (AF_XDP)
# The sender floods echo requests with `fastpath gen --proto icmp --driver afpacket` from the other end;
# the XDP drop sink on the sender's own interface counts the replies that come back (it drops them before
# any stack or AF_PACKET socket sees them). Target: FastPath >= 2x the kernel.
# Usage: sudo perf/veth/respond.sh   (ROUNDS=5 WARMUP=1.5 WINDOW=3 SIZE=60; SENDER_CPU=0 RESPONDER_CPU=1)
source "$(dirname "$0")/lib.sh"
build_reference_tools
FASTPATH=$(fastpath_binary)
make_lab 1
SENDER_CPU=${SENDER_CPU:-0}
RESPONDER_CPU=${RESPONDER_CPU:-1}
run=$(sender_seconds)
mac_of() { ip -n "$1" -br link show dev "$2" | awk '{ print $3 }'; }
TX_MAC=$(mac_of "$NS_TX" "$IF_TX")
RX_MAC=$(mac_of "$NS_RX" "$IF_RX")

# replies: starts the flood, waits WARMUP, counts replies at the sender's interface for WINDOW seconds.
replies() {
    ip netns exec "$NS_TX" taskset -c "$SENDER_CPU" "$FASTPATH" gen --iface "$IF_TX" --driver afpacket --proto icmp \
        --dst-mac "$RX_MAC" --src-ip 10.99.0.1 --dst-ip 10.99.0.2 --size "$SIZE" --duration "${run}s" >>"/tmp/fastpath-perf-$$-gen.log" 2>&1 &
    local sender=$!
    sleep "$WARMUP"
    ip netns exec "$NS_TX" "$TOOLS/xdp-drop-sink" "$IF_TX" "$WINDOW" | awk '/^sink:/ { print $(NF-1) }'
    kill -TERM "$sender" 2>/dev/null || true
    wait "$sender" 2>/dev/null || true
    sleep 0.5
}

kernel=() fastpath=()
for round in $(seq "$ROUNDS"); do
    ip -n "$NS_RX" address add 10.99.0.2/24 dev "$IF_RX"
    # The kernel answers 10.99.0.1 without asking for its MAC (the sender has no stack to answer ARP). Set
    # again every round: removing a device's last address flushes its neighbour table, permanent entries too.
    ip -n "$NS_RX" neigh replace 10.99.0.1 lladdr "$TX_MAC" dev "$IF_RX" nud permanent
    k=$(replies)
    ip -n "$NS_RX" address del 10.99.0.2/24 dev "$IF_RX"

    ip netns exec "$NS_RX" "$FASTPATH" respond --iface "$IF_RX" --driver afxdp --cores "$RESPONDER_CPU" --ip 10.99.0.2/24 \
        --duration 60s >/tmp/fastpath-perf-$$-respond.log 2>&1 &
    responder=$!
    for _ in $(seq 100); do grep -q "answering on" /tmp/fastpath-perf-$$-respond.log && break; sleep 0.1; done
    f=$(replies)
    kill -TERM "$responder" 2>/dev/null || true
    wait "$responder" 2>/dev/null || true
    sleep 0.5
    kernel+=("$k") fastpath+=("$f")
    printf 'round %d: kernel %s replies/s, fastpath respond %s replies/s\n' "$round" "$k" "$f"
done
mk=$(echo "${kernel[*]}" | median)
mf=$(echo "${fastpath[*]}" | median)
printf 'median: kernel %.0f replies/s, fastpath respond %.0f replies/s, ratio %s (target >= 2)\n' "$mk" "$mf" "$(ratio "$mf" "$mk")"
