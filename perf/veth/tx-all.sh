#!/usr/bin/env bash
# Every sender side by side in one run, one core each, into the same XDP drop sink (60-byte frames):
#   fastpath gen --driver afxdp     (its defaults: every frame signed, sequence and time written per frame)
#   netsniff-ng trafgen -P 1        (AF_PACKET TX ring, qdisc bypassed)
#   dpdk-testpmd txonly             (net_af_packet vdev, one forwarding lcore)
#   ref/xsk-tx-ref.c                (the C AF_XDP reference sender, copy mode)
#   fastpath gen --cores 0,1        (two workers, one AF_XDP socket each on queues 0 and 1)
# Prints each round, the medians, the spread (max/min of each contender's rounds) and the ratios.
# Targets: fastpath >= 1.2x trafgen, >= 1.4x testpmd, >= 0.95x xsk-tx-ref; two cores above one.
# Needs: apt-get install netsniff-ng dpdk-dev.  Usage: sudo perf/veth/tx-all.sh  (ROUNDS=5 WARMUP=1.5 WINDOW=3 SIZE=60)
source "$(dirname "$0")/lib.sh"
command -v trafgen >/dev/null || { echo "tx-all: trafgen missing (apt-get install netsniff-ng)" >&2; exit 2; }
command -v dpdk-testpmd >/dev/null || { echo "tx-all: dpdk-testpmd missing (apt-get install dpdk-dev)" >&2; exit 2; }
build_reference_tools
FASTPATH=$(fastpath_binary)
make_lab 2   # two queues, for the two-worker run; single-core senders use queue 0
run=$(sender_seconds)

conf=/tmp/fastpath-perf-$$-trafgen.cfg
ip_len=$((SIZE - 14)) udp_len=$((SIZE - 34)) fill=$((SIZE - 42))
cat >"$conf" <<CFG
{ 0xff,0xff,0xff,0xff,0xff,0xff, 0x02,0x00,0x00,0x00,0x00,0x01, 0x08,0x00,
  0x45,0x00, c16($ip_len), 0x00,0x00, 0x40,0x00, 64, 17, csumip(14, 33), 10,99,0,1, 10,99,0,2,
  0x00,0x09, 0x00,0x09, c16($udp_len), 0x00,0x00,
  fill(0x00, $fill) }
CFG

fastpath=() trafgen=() testpmd=() reference=() twocores=()
for round in $(seq "$ROUNDS"); do
    f=$(measure fastpath "$FASTPATH" gen --iface "$IF_TX" --driver afxdp --size "$SIZE" \
        --src-ip 10.99.0.1 --dst-ip 10.99.0.2 --duration "${run}s")
    t=$(measure trafgen timeout -s INT "$run" trafgen --dev "$IF_TX" --conf "$conf" -P 1)
    p=$(measure testpmd timeout -s INT "$run" dpdk-testpmd --no-huge -m 512 --no-pci --file-prefix "fpb$$" \
        --vdev "net_af_packet0,iface=$IF_TX" -l 0-1 -- --forward-mode=txonly --txpkts="$SIZE" --auto-start --stats-period 10 --total-num-mbufs=16384)
    r=$(measure reference "$TOOLS/xsk-tx-ref" "$IF_TX" "$run" "$SIZE")
    c=$(measure twocores "$FASTPATH" gen --iface "$IF_TX" --driver afxdp --cores 0,1 --size "$SIZE" \
        --src-ip 10.99.0.1 --dst-ip 10.99.0.2 --duration "${run}s")
    fastpath+=("$f") trafgen+=("$t") testpmd+=("$p") reference+=("$r") twocores+=("$c")
    printf 'round %d: fastpath-afxdp %s pps, trafgen %s pps, testpmd %s pps, xsk-tx-ref %s pps, fastpath-2-cores %s pps\n' "$round" "$f" "$t" "$p" "$r" "$c"
done
spread() { tr ' ' '\n' | grep -v '^$' | sort -g | awk 'NR == 1 { min = $1 } { max = $1 } END { if (min > 0) printf "%.2f", max / min; else print "n/a" }'; }
mf=$(echo "${fastpath[*]}" | median)
mt=$(echo "${trafgen[*]}" | median)
mp=$(echo "${testpmd[*]}" | median)
mr=$(echo "${reference[*]}" | median)
mc=$(echo "${twocores[*]}" | median)
printf 'median: fastpath-afxdp %.0f pps, trafgen %.0f pps, testpmd %.0f pps, xsk-tx-ref %.0f pps, fastpath-2-cores %.0f pps\n' "$mf" "$mt" "$mp" "$mr" "$mc"
printf 'spread (max/min over rounds): fastpath %s, trafgen %s, testpmd %s, xsk-tx-ref %s, fastpath-2-cores %s\n' \
    "$(echo "${fastpath[*]}" | spread)" "$(echo "${trafgen[*]}" | spread)" "$(echo "${testpmd[*]}" | spread)" "$(echo "${reference[*]}" | spread)" "$(echo "${twocores[*]}" | spread)"
printf 'ratio: fastpath/trafgen %s (target >= 1.2), fastpath/testpmd %s (target >= 1.4), fastpath/xsk-tx-ref %s (target >= 0.95), 2 cores/1 core %s (target > 1)\n' \
    "$(ratio "$mf" "$mt")" "$(ratio "$mf" "$mp")" "$(ratio "$mf" "$mr")" "$(ratio "$mc" "$mf")"
