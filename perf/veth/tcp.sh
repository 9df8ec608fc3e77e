#!/usr/bin/env bash
# TCP servers side by side on the same lab, the same kernel client, one run:
#   the Linux kernel (ref/tcp-echo-server.c, epoll)   vs   fastpath echo --tcp (AF_XDP, one busy-polling core)
# The client runs in the other namespace, on its own core: request/response transactions per second on
# one connection (ref/tcp-rr.c, 64 bytes), connections per second (ref/tcp-crr.c: connect, 64-byte echo,
# close) and bulk echo goodput (ref/tcp-bulk.c: send and read back at once). TX offloads are off on both
# ends for the comparison (tso, gso, gro, tx checksum: AF_XDP has no TSO, so both servers move MTU-sized
# segments); the kernel server is also measured with offloads on, shown beside it, not in the ratio.
# Targets: RR >= 1.5x the kernel, CRR >= 1.0x, bulk >= 1.0x. Medians of ROUNDS rounds.
# FASTPATH_IDLE=busy (default) runs the worker with --cores SERVER_CPU: it busy-polls, as on a core of its own;
# FASTPATH_IDLE=adaptive pins it with taskset instead, so it sleeps in poll(2) when idle and is woken like the
# kernel's server (the fairer setting on a machine whose cores are shared with other work).
# Usage: sudo perf/veth/tcp.sh   (ROUNDS=5 RUN_SECONDS=3 CLIENT_CPU=0 SERVER_CPU=1 DRIVER=afxdp FASTPATH_IDLE=busy)
source "$(dirname "$0")/lib.sh"
RUN=${RUN_SECONDS:-3}
CLIENT_CPU=${CLIENT_CPU:-0}
SERVER_CPU=${SERVER_CPU:-1}
DRIVER=${DRIVER:-afxdp}
FASTPATH_IDLE=${FASTPATH_IDLE:-busy}
PORT=7
CLIENT_IP=10.99.0.1
SERVER_IP=10.99.0.2

mkdir -p "$TOOLS"
for tool in tcp-echo-server tcp-rr tcp-crr tcp-bulk; do
    if [ ! -x "$TOOLS/$tool" ] || [ "$REPO/perf/veth/ref/$tool.c" -nt "$TOOLS/$tool" ] \
        || [ "$REPO/perf/veth/ref/tcp-common.h" -nt "$TOOLS/$tool" ]; then
        cc -O2 -Wall -o "$TOOLS/$tool" "$REPO/perf/veth/ref/$tool.c" -lpthread
    fi
done
FASTPATH=$(fastpath_binary)
make_lab 1
ip -n "$NS_TX" address add "$CLIENT_IP/24" dev "$IF_TX"
# The client closes first in every CRR connection, so its ports sit in TIME_WAIT: reuse them (timestamps
# make that safe, RFC 7323 appendix B) and use the whole range.
ip netns exec "$NS_TX" sysctl -qw net.ipv4.tcp_tw_reuse=1 net.ipv4.ip_local_port_range="1024 65535"
ip netns exec "$NS_RX" sysctl -qw net.ipv4.tcp_tw_reuse=1
LOG=/tmp/fastpath-perf-$$

offloads() { # offloads on|off: both ends
    ip netns exec "$NS_TX" ethtool -K "$IF_TX" tso "$1" gso "$1" gro "$1" tx "$1" >/dev/null 2>&1 || true
    ip netns exec "$NS_RX" ethtool -K "$IF_RX" tso "$1" gso "$1" gro "$1" tx "$1" >/dev/null 2>&1 || true
}

client() { # client TOOL: runs it pinned, prints its rate (0 when it fails)
    local out
    out=$(ip netns exec "$NS_TX" timeout $((RUN + 30)) taskset -c "$CLIENT_CPU" "$TOOLS/$1" "$SERVER_IP" "$PORT" "$RUN" 2>>"$LOG-client.log") || true
    echo "$out" >>"$LOG-client.log"
    echo "$out" | awk '/^tcp-/ { for (i = 1; i < NF; i++) if ($i == "=") v = $(i + 1) } END { print v + 0 }'
}

measure_all() { # prints "RR CRR BULK"
    local rr crr bulk
    rr=$(client tcp-rr); sleep 0.3
    crr=$(client tcp-crr); sleep 0.3
    bulk=$(client tcp-bulk); sleep 0.3
    echo "$rr $crr $bulk"
}

kernel_server() { # kernel_server: the C echo server on SERVER_IP, measured; the address is removed after
    ip -n "$NS_RX" address add "$SERVER_IP/24" dev "$IF_RX"
    ip netns exec "$NS_RX" taskset -c "$SERVER_CPU" "$TOOLS/tcp-echo-server" "$PORT" 600 >>"$LOG-server.log" 2>&1 &
    local server=$!
    sleep 0.5
    measure_all
    kill -TERM "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    ip -n "$NS_RX" address del "$SERVER_IP/24" dev "$IF_RX"
    ip -n "$NS_TX" neigh flush dev "$IF_TX" 2>/dev/null || true
}

fastpath_server() {
    local log="$LOG-fastpath-$round.log"
    local placement=(--cores "$SERVER_CPU") pin=()
    [ "$FASTPATH_IDLE" = adaptive ] && placement=() pin=(taskset -c "$SERVER_CPU")
    ip netns exec "$NS_RX" "${pin[@]}" "$FASTPATH" echo --tcp --no-delay --iface "$IF_RX" --driver "$DRIVER" "${placement[@]}" \
        --ip "$SERVER_IP/24" --port "$PORT" --duration 600s >"$log" 2>&1 &
    local server=$!
    for _ in $(seq 100); do grep -q "answering on" "$log" 2>/dev/null && break; sleep 0.1; done
    sleep 0.3
    measure_all
    kill -TERM "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    ip -n "$NS_TX" neigh flush dev "$IF_TX" 2>/dev/null || true
    sleep 0.5 # the kernel releases an AF_XDP socket late; the next bind on the queue would fail
}

k_rr=() k_crr=() k_bulk=() f_rr=() f_crr=() f_bulk=() o_rr=() o_crr=() o_bulk=()
echo "tcp.sh: $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); client on CPU $CLIENT_CPU, server on CPU $SERVER_CPU; fastpath $DRIVER, $FASTPATH_IDLE idle; $ROUNDS rounds of ${RUN} s per test"
for round in $(seq "$ROUNDS"); do
    offloads off
    read -r a b c < <(kernel_server); k_rr+=("$a") k_crr+=("$b") k_bulk+=("$c")
    read -r d e f < <(fastpath_server); f_rr+=("$d") f_crr+=("$e") f_bulk+=("$f")
    offloads on
    read -r g h i < <(kernel_server); o_rr+=("$g") o_crr+=("$h") o_bulk+=("$i")
    printf 'round %d: RR/s kernel %s fastpath %s (kernel offloads on %s); CRR/s kernel %s fastpath %s (%s); bulk Mbit/s kernel %s fastpath %s (%s)\n' \
        "$round" "$a" "$d" "$g" "$b" "$e" "$h" "$c" "$f" "$i"
done
grep -h "^echo:" "$LOG-fastpath-$ROUNDS.log" 2>/dev/null | sed 's/^/last fastpath run: /' || true

m() { echo "$*" | median; }
report() { # report NAME UNIT TARGET KERNEL FASTPATH OFFLOADED
    printf 'median %-4s kernel %12.1f %s, fastpath %12.1f %s, ratio %s (target >= %s); kernel with offloads on %.1f %s\n' \
        "$1" "$4" "$2" "$5" "$2" "$(ratio "$5" "$4")" "$3" "$6" "$2"
}
report RR "trans/s" 1.5 "$(m "${k_rr[*]}")" "$(m "${f_rr[*]}")" "$(m "${o_rr[*]}")"
report CRR "conn/s" 1.0 "$(m "${k_crr[*]}")" "$(m "${f_crr[*]}")" "$(m "${o_crr[*]}")"
report bulk "Mbit/s" 1.0 "$(m "${k_bulk[*]}")" "$(m "${f_bulk[*]}")" "$(m "${o_bulk[*]}")"
