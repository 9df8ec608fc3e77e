#!/usr/bin/env bash
# The README's "measure a path" walk-through on a veth lab: a fastpath sink on the far end (per-stream loss,
# reordering, duplicates, one-way latency, and a plot), fastpath gen sending two signed streams at their own
# rates, then a round trip measured through the peer's own ICMP echo responder.
# Usage: sudo perf/veth/measure-path.sh [PLOT.svg]   (RUN_SECONDS=6)
source "$(dirname "$0")/lib.sh"
PLOT=${1:-/tmp/fastpath-measure-path.svg}
RUN=${RUN_SECONDS:-6}
FASTPATH=$(fastpath_binary)
make_lab 1
ip -n "$NS_RX" address add 10.99.0.2/24 dev "$IF_RX"
mac_rx=$(ip -n "$NS_RX" -o link show dev "$IF_RX" | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)
mac_tx=$(ip -n "$NS_TX" -o link show dev "$IF_TX" | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)

streams=/tmp/fastpath-perf-$$-streams.json
cat >"$streams" <<JSON
{ "streams": [
  { "id": 1, "rate": "150kpps", "size": "imix", "flows": 64, "src_port": 40000 },
  { "id": 2, "rate": "50kpps", "size": 128, "proto": "icmp" } ] }
JSON

echo "== one-way: fastpath sink on $IF_RX, fastpath gen on $IF_TX for ${RUN}s"
ip netns exec "$NS_RX" "$FASTPATH" sink --iface "$IF_RX" --cores 1 --duration "$((RUN + 3))s" --plot "$PLOT" &
sink=$!
sleep 1.5
ip netns exec "$NS_TX" "$FASTPATH" gen --iface "$IF_TX" --cores 0 --src-ip 10.99.0.1 --dst-ip 10.99.0.2 --streams "$streams" --duration "${RUN}s"
wait "$sink"
echo "plot: $PLOT"

echo "== round trip: ICMP echo requests answered by the peer's kernel"
ip -n "$NS_RX" neigh replace 10.99.0.1 lladdr "$mac_tx" dev "$IF_RX" nud permanent
ip netns exec "$NS_TX" "$FASTPATH" gen --iface "$IF_TX" --proto icmp --src-ip 10.99.0.1 --dst-ip 10.99.0.2 --dst-mac "$mac_rx" \
    --rate 20kpps --count 40000 --measure
