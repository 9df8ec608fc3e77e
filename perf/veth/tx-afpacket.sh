#!/usr/bin/env bash
# AF_PACKET senders side by side, one core each, into the same XDP drop sink:
#   fastpath gen --driver afpacket
#   netsniff-ng trafgen -P 1           (TX ring, qdisc bypassed by default; -q is not passed)
#   dpdk-testpmd txonly on net_af_packet (one forwarding lcore)
# Prints each round, the medians and the ratios (targets: >= 1.05x trafgen, >= 1.3x testpmd).
# Needs: apt-get install netsniff-ng dpdk-dev.  Usage: sudo perf/veth/tx-afpacket.sh
source "$(dirname "$0")/lib.sh"
command -v trafgen >/dev/null || { echo "tx-afpacket: trafgen missing (apt-get install netsniff-ng)" >&2; exit 2; }
command -v dpdk-testpmd >/dev/null || { echo "tx-afpacket: dpdk-testpmd missing (apt-get install dpdk-dev)" >&2; exit 2; }
build_reference_tools
FASTPATH=$(fastpath_binary)
make_lab 1
run=$(sender_seconds)

# The same frame for trafgen: broadcast, 10.99.0.1 -> 10.99.0.2, UDP 9 -> 9, zero payload, SIZE bytes.
conf=/tmp/fastpath-perf-$$-trafgen.cfg
ip_len=$((SIZE - 14)) udp_len=$((SIZE - 34)) fill=$((SIZE - 42))
cat >"$conf" <<CFG
{ 0xff,0xff,0xff,0xff,0xff,0xff, 0x02,0x00,0x00,0x00,0x00,0x01, 0x08,0x00,
  0x45,0x00, c16($ip_len), 0x00,0x00, 0x40,0x00, 64, 17, csumip(14, 33), 10,99,0,1, 10,99,0,2,
  0x00,0x09, 0x00,0x09, c16($udp_len), 0x00,0x00,
  fill(0x00, $fill) }
CFG

fastpath=() trafgen=() testpmd=()
for round in $(seq "$ROUNDS"); do
    f=$(measure fastpath "$FASTPATH" gen --iface "$IF_TX" --driver afpacket --size "$SIZE" \
        --src-ip 10.99.0.1 --dst-ip 10.99.0.2 --duration "${run}s")
    t=$(measure trafgen timeout -s INT "$run" trafgen --dev "$IF_TX" --conf "$conf" -P 1)
    # One forwarding lcore (1), the main lcore (0) only prints stats; --stats-period keeps it running
    # without a terminal until the SIGINT.
    p=$(measure testpmd timeout -s INT "$run" dpdk-testpmd --no-huge -m 512 --no-pci --file-prefix "fpb$$" \
        --vdev "net_af_packet0,iface=$IF_TX" -l 0-1 -- --forward-mode=txonly --txpkts="$SIZE" --auto-start --stats-period 10 --total-num-mbufs=16384)
    fastpath+=("$f") trafgen+=("$t") testpmd+=("$p")
    printf 'round %d: fastpath-afpacket %s pps, trafgen %s pps, testpmd %s pps\n' "$round" "$f" "$t" "$p"
done
mf=$(echo "${fastpath[*]}" | median)
mt=$(echo "${trafgen[*]}" | median)
mp=$(echo "${testpmd[*]}" | median)
printf 'median: fastpath-afpacket %.0f pps, trafgen %.0f pps, testpmd %.0f pps\n' "$mf" "$mt" "$mp"
printf 'ratio: fastpath/trafgen %s (target >= 1.05), fastpath/testpmd %s (target >= 1.3)\n' "$(ratio "$mf" "$mt")" "$(ratio "$mf" "$mp")"
