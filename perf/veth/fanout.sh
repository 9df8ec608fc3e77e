#!/usr/bin/env bash
# Multicast fan-out, 1 group to 8 destinations, on one core (issue 7: >= 1 M copies per second):
#   fastpath gen (AF_PACKET) feeds the group 239.7.7.7:5000 at RATE from NS_TX
#   -> fastpath fanout (AF_XDP, pinned to FANOUT_CPU) in NS_RX copies each datagram to 8 unicast
#      destinations (a --config file with static MACs: the sink answers no ARP)
#   -> the XDP drop sink on the sender's own interface counts the copies that come back.
# The sink's count is the delivered rate; the fan-out's own JSON (received, sent, drops by reason) says
# whether a shortfall is the fan-out's.
# Where the sink runs: a veth runs the receiving end's XDP in a NAPI poll scheduled on the CPU that
# transmits, here the fan-out's core, which would then pay for the sink too (on a NIC the sink is another
# machine). With SINK_CPU set (the default: the sender's CPU) the sink's veth end gets threaded NAPI
# (GRO on, so its NAPI exists before XDP attaches, then /sys/class/net/IF/threaded = 1) and its NAPI
# thread is pinned to SINK_CPU; SINK_CPU= (empty) leaves the sink's work on the fan-out's core.
# SINK=stack counts instead with the receiving interface's own counter (rx_packets: frames the veth handed
# to the kernel's backlog) and no XDP program; the copies then carry a MAC that is not the interface's, so
# the kernel drops them at once (PACKET_OTHERHOST), and the veth's backpressure on a full XDP ring is out of
# the picture.
# Usage: sudo perf/veth/fanout.sh   (ROUNDS=5 WARMUP=1.5 WINDOW=3 FRAME=106 RATE=130kpps SINK=xdp; SENDER_CPU=0 FANOUT_CPU=1 SINK_CPU=0)
source "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || { echo "perf/veth/fanout.sh: needs jq" >&2; exit 2; }
build_reference_tools
FASTPATH=$(fastpath_binary)
make_lab 1
SENDER_CPU=${SENDER_CPU:-0}
FANOUT_CPU=${FANOUT_CPU:-1}
RATE=${RATE:-130kpps}
FRAME=${FRAME:-106}          # 64 bytes of UDP payload: a market-data message
DESTINATIONS=${DESTINATIONS:-8}
run=$(sender_seconds)
SINK=${SINK:-xdp}
SINK_CPU=${SINK_CPU-$SENDER_CPU}
[ "$SINK" = xdp ] || SINK_CPU=
TX_MAC=$(ip -n "$NS_TX" -br link show dev "$IF_TX" | awk '{ print $3 }')
[ "$SINK" = xdp ] || TX_MAC=02:00:00:00:00:99
if [ -n "$SINK_CPU" ]; then
    ip netns exec "$NS_TX" ethtool -K "$IF_TX" gro on >/dev/null
    ip netns exec "$NS_TX" sh -c "echo 1 > /sys/class/net/$IF_TX/threaded"
    napi=$(pgrep "^napi/$IF_TX" || true)
    [ -n "$napi" ] || { echo "perf/veth/fanout.sh: no NAPI thread for $IF_TX (threaded NAPI unsupported?); run with SINK_CPU=" >&2; exit 2; }
    for pid in $napi; do taskset -pc "$SINK_CPU" "$pid" >/dev/null; done
fi
CONFIG=/tmp/fastpath-perf-$$-fanout.json
LOG=/tmp/fastpath-perf-$$-fanout.log
trap 'rm -f "$CONFIG" "$LOG" "$LOG.err"; cleanup' EXIT

{
    printf '{ "groups": [ { "group": "239.7.7.7:5000", "to": ['
    for i in $(seq "$DESTINATIONS"); do
        [ "$i" -gt 1 ] && printf ', '
        printf '{ "to": "10.99.0.%d:6000", "mac": "%s" }' $((10 + i)) "$TX_MAC"
    done
    printf '] } ] }\n'
} >"$CONFIG"

copies=() results=()
for round in $(seq "$ROUNDS"); do
    ip netns exec "$NS_RX" "$FASTPATH" fanout --iface "$IF_RX" --driver afxdp --cores "$FANOUT_CPU" --ip 10.99.0.2/24 \
        --config "$CONFIG" --duration 60s --json >"$LOG" 2>"$LOG.err" &
    fanout=$!
    for _ in $(seq 100); do grep -q "fanning out" "$LOG.err" && break; sleep 0.1; done
    ip netns exec "$NS_TX" taskset -c "$SENDER_CPU" "$FASTPATH" gen --iface "$IF_TX" --driver afpacket --proto udp \
        --dst-mac 01:00:5e:07:07:07 --src-ip 10.99.0.1 --dst-ip 239.7.7.7 --src-port 40000 --dst-port 5000 \
        --size "$FRAME" --rate "$RATE" --duration "${run}s" >>"/tmp/fastpath-perf-$$-gen.log" 2>&1 &
    sender=$!
    sleep "$WARMUP"
    if [ "$SINK" = xdp ]; then
        c=$(ip netns exec "$NS_TX" "$TOOLS/xdp-drop-sink" "$IF_TX" "$WINDOW" | awk '/^sink:/ { print $(NF-1) }')
    else
        before=$(ip netns exec "$NS_TX" cat "/sys/class/net/$IF_TX/statistics/rx_packets")
        sleep "$WINDOW"
        after=$(ip netns exec "$NS_TX" cat "/sys/class/net/$IF_TX/statistics/rx_packets")
        c=$(awk -v a="$before" -v b="$after" -v w="$WINDOW" 'BEGIN { printf "%.0f", (b - a) / w }')
    fi
    kill -TERM "$sender" 2>/dev/null || true
    wait "$sender" 2>/dev/null || true
    kill -TERM "$fanout" 2>/dev/null || true
    wait "$fanout" 2>/dev/null || true
    sleep 0.5
    summary=$(jq -r '"received \(.received), sent \(.sent), dropped \(.dropped) (" + ([.groups[].destinations[].dropped | to_entries[] | select(.key != "total" and .value > 0) | "\(.key) \(.value)"] | join(", ")) + "), port rx_dropped \(.engine.totals.port.rx_dropped) rx_ring_full \(.engine.totals.port.rx_ring_full); receive-to-last-copy p50 \(.latency_ns.p50) ns p99 \(.latency_ns.p99) ns (\(.driver), \(.mode))"' "$LOG" 2>/dev/null \
        || echo "fanout output unreadable: $(tail -c 300 "$LOG.err")")
    copies+=("${c:-0}")
    printf 'round %d: sink %s copies/s; fanout %s\n' "$round" "${c:-0}" "$summary"
done
mc=$(echo "${copies[*]}" | median)
printf 'median: %.0f copies/s from 1 group to %d destinations on one core (target >= 1000000), input %s, sink NAPI on CPU %s\n' "$mc" "$DESTINATIONS" "$RATE" "${SINK_CPU:-$FANOUT_CPU (the fan-out core)}"
