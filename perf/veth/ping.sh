#!/usr/bin/env bash
# Round trips on one veth pair, the two pairs in turn in every round:
#   fastpath ping -f   against   fastpath respond (AF_XDP, both busy-polling, pinned)
#   iputils ping -f    against   the kernel (an address on each end)
# Flood mode on both: the next request leaves as soon as the reply is back, so round trips per second
# is 1 / (round trip + the pinger's own turnaround). iputils' flood prints only min/avg/max, so the
# kernel's median comes from a second run with per-reply lines (ping -i 0, root only), same requests.
# Targets: FastPath p50 <= 1.0x the kernel pair's, round trips per second >= 1.0x.
# Usage: sudo perf/veth/ping.sh   (ROUNDS=5 COUNT=100000 PING_CPU=0 RESPONDER_CPU=1)
source "$(dirname "$0")/lib.sh"
FASTPATH=$(fastpath_binary)
command -v ping >/dev/null || { echo "perf/veth: needs iputils ping" >&2; exit 2; }
make_lab 1
COUNT=${COUNT:-100000}
PING_CPU=${PING_CPU:-0}
RESPONDER_CPU=${RESPONDER_CPU:-1}

# kernel_round: prints "P50_US ROUND_TRIPS_PER_S" for iputils ping against the kernel.
kernel_round() {
    ip -n "$NS_TX" address add 10.99.0.1/24 dev "$IF_TX"
    ip -n "$NS_RX" address add 10.99.0.2/24 dev "$IF_RX"
    ip netns exec "$NS_TX" ping -q -c 3 -i 0.01 10.99.0.2 >/dev/null
    local flood p50
    flood=$(ip netns exec "$NS_TX" taskset -c "$PING_CPU" ping -f -q -c "$COUNT" 10.99.0.2)
    p50=$(ip netns exec "$NS_TX" taskset -c "$PING_CPU" ping -n -i 0 -c "$COUNT" 10.99.0.2 \
        | sed -n 's/.*time=\([0-9.]*\) ms.*/\1/p' | awk '{ printf "%s ", $1 * 1000 }' | median)
    ip -n "$NS_TX" address del 10.99.0.1/24 dev "$IF_TX"
    ip -n "$NS_RX" address del 10.99.0.2/24 dev "$IF_RX"
    echo "$flood" | awk -v p50="$p50" '/packets transmitted/ { received = $4; ms = $NF; sub("ms", "", ms) }
        END { printf "%.1f %.0f\n", p50, received / (ms / 1000) }'
}

# fastpath_round: prints "P50_US ROUND_TRIPS_PER_S" for fastpath ping against fastpath respond.
fastpath_round() {
    local log="/tmp/fastpath-perf-$$-respond.log"
    ip netns exec "$NS_RX" "$FASTPATH" respond --iface "$IF_RX" --driver afxdp --cores "$RESPONDER_CPU" --ip 10.99.0.2/24 \
        --duration 120s >"$log" 2>&1 &
    local responder=$!
    for _ in $(seq 100); do grep -q "answering on" "$log" && break; sleep 0.1; done
    local json
    json=$(ip netns exec "$NS_TX" "$FASTPATH" ping 10.99.0.2 --iface "$IF_TX" --driver afxdp --cores "$PING_CPU" --ip 10.99.0.1/24 \
        -f -c "$COUNT" --json 2>>"/tmp/fastpath-perf-$$-ping.log")
    kill -TERM "$responder" 2>/dev/null || true
    wait "$responder" 2>/dev/null || true
    sleep 0.5
    echo "$json" | python3 -c 'import json, sys
r = json.load(sys.stdin)
print("%.1f %.0f %d %d" % (r["rtt_us"]["p50"], r["received"] / r["seconds"], r["transmitted"], r["received"]))'
}

kernel_p50=() kernel_rate=() fastpath_p50=() fastpath_rate=()
for round in $(seq "$ROUNDS"); do
    read -r kp kr < <(kernel_round)
    read -r fp fr ft fx < <(fastpath_round)
    kernel_p50+=("$kp") kernel_rate+=("$kr") fastpath_p50+=("$fp") fastpath_rate+=("$fr")
    printf 'round %d: kernel pair p50 %s us, %s round trips/s; fastpath pair p50 %s us, %s round trips/s (%s sent, %s answered)\n' \
        "$round" "$kp" "$kr" "$fp" "$fr" "$ft" "$fx"
done
mkp=$(echo "${kernel_p50[*]}" | median)
mkr=$(echo "${kernel_rate[*]}" | median)
mfp=$(echo "${fastpath_p50[*]}" | median)
mfr=$(echo "${fastpath_rate[*]}" | median)
printf 'median: kernel pair p50 %s us, %.0f round trips/s; fastpath pair p50 %s us, %.0f round trips/s\n' "$mkp" "$mkr" "$mfp" "$mfr"
printf 'p50 ratio fastpath/kernel %s (target <= 1.0); round trips/s ratio %s (target >= 1.0)\n' "$(ratio "$mfp" "$mkp")" "$(ratio "$mfr" "$mkr")"
