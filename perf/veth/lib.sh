# Shared by the perf/veth scripts: a two-namespace veth lab, the reference tools, and the median/ratio
# arithmetic. Source it; it removes everything it made on exit, Ctrl-C or SIGTERM.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WARMUP=${WARMUP:-1.5}      # seconds a sender runs before the sink starts counting
WINDOW=${WINDOW:-3}        # seconds the sink counts
ROUNDS=${ROUNDS:-5}        # rounds; contenders alternate within each round
SIZE=${SIZE:-60}           # frame bytes without FCS
TOOLS=${TOOLS:-/tmp/fastpath-perf-tools}

[ "$(id -u)" = 0 ] || { echo "perf/veth: needs root (network namespaces, XDP)" >&2; exit 2; }
command -v ip >/dev/null || { echo "perf/veth: needs iproute2" >&2; exit 2; }

LAB=fpb$$
NS_TX=fastpath-bench-$$-tx
NS_RX=fastpath-bench-$$-rx
IF_TX=${LAB}t
IF_RX=${LAB}r

cleanup() {
    # Killing the namespaces' processes first releases XDP links and sockets; deleting a namespace then
    # destroys its veth end, and with it the pair.
    for ns in "$NS_TX" "$NS_RX"; do
        ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
        ip netns delete "$ns" 2>/dev/null || true
    done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

build_reference_tools() {
    mkdir -p "$TOOLS"
    for tool in xdp-drop-sink xsk-tx-ref; do
        if [ ! -x "$TOOLS/$tool" ] || [ "$REPO/perf/veth/ref/$tool.c" -nt "$TOOLS/$tool" ]; then
            gcc -O2 -o "$TOOLS/$tool" "$REPO/perf/veth/ref/$tool.c"
        fi
    done
}

# make_lab [QUEUES]: the sender's end in NS_TX, the sink's in NS_RX, no addresses (the frames are
# broadcast and the sink drops them in XDP before any stack sees them).
make_lab() {
    local queues=${1:-1}
    ip netns add "$NS_TX"
    ip netns add "$NS_RX"
    ip link add "$IF_TX" numrxqueues "$queues" numtxqueues "$queues" netns "$NS_TX" \
        type veth peer name "$IF_RX" numrxqueues "$queues" numtxqueues "$queues" netns "$NS_RX"
    for pair in "$NS_TX:$IF_TX" "$NS_RX:$IF_RX"; do
        local ns=${pair%%:*} dev=${pair#*:}
        ip netns exec "$ns" sh -c "echo 1 > /proc/sys/net/ipv6/conf/$dev/disable_ipv6" 2>/dev/null || true
        ip -n "$ns" link set lo up
        ip -n "$ns" link set "$dev" up
    done
}

# sink_pps: runs the XDP drop sink on the far end for WINDOW seconds and prints the rate it counted.
sink_pps() {
    ip netns exec "$NS_RX" "$TOOLS/xdp-drop-sink" "$IF_RX" "$WINDOW" | awk '/^sink:/ { print $(NF-1) }'
}

# measure NAME COMMAND...: starts the sender in NS_TX, waits WARMUP, counts at the sink, stops the
# sender (SIGTERM, then SIGKILL), and prints the sink's pps. The sender is given its own run time by the
# caller; it is stopped here in any case. SIGTERM, not SIGINT: a background job of a script starts with
# SIGINT ignored. The pause at the end lets the kernel finish releasing an AF_XDP socket (deferred), or
# the next sender's bind on the same queue fails with EBUSY.
measure() {
    local log="/tmp/fastpath-perf-$$-$1.log"
    shift
    ip netns exec "$NS_TX" "$@" >"$log" 2>&1 &
    local sender=$!
    sleep "$WARMUP"
    local pps
    pps=$(sink_pps)
    kill -TERM "$sender" 2>/dev/null || true
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$sender" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$sender" 2>/dev/null || true
    wait "$sender" 2>/dev/null || true
    sleep 0.5
    echo "${pps:-0}"
}

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "n/a" }'; }

sender_seconds() { awk -v w="$WARMUP" -v c="$WINDOW" 'BEGIN { print w + c + 2 }'; }

fastpath_binary() {
    # ./fastpath publishes once (and again after a source change), then runs the published binary.
    "$REPO/fastpath" --help >/dev/null
    echo "$REPO/.publish/fastpath"
}
