#!/usr/bin/env bash
# Captures real frames of every protocol FastPath parses, from the Linux kernel's own stack, into
# tests/corpus/real/*.pcap (one file per scenario). Two network namespaces joined by a veth pair; the
# capture runs in namespace A on its end of the veth, so it holds both directions. Nothing touches eth0,
# and the namespaces are removed on every exit path (trap), even when a step fails.
#
# Needs root, ip, ping, python3 and dumpcap (wireshark's capture tool) or tcpdump.
# Usage: sudo tests/corpus/capture.sh        (rewrites tests/corpus/real/)
set -euo pipefail
cd "$(dirname "$0")"
out=$PWD/real
mkdir -p "$out"

tag="fz$$"
nsa="$tag-a" nsb="$tag-b"
va="${tag}a" vb="${tag}b"
a_ip=10.99.1.1 b_ip=10.99.1.2 routed=10.99.9.5
capture_pid=""

cleanup() {
    [ -n "$capture_pid" ] && kill "$capture_pid" 2>/dev/null && wait "$capture_pid" 2>/dev/null || true
    ip netns del "$nsa" 2>/dev/null || true
    ip netns del "$nsb" 2>/dev/null || true
}
trap cleanup EXIT INT TERM

if command -v dumpcap >/dev/null; then capture_tool=dumpcap
elif command -v tcpdump >/dev/null; then capture_tool=tcpdump
else echo "capture.sh: neither dumpcap nor tcpdump is installed" >&2; exit 1
fi

inA() { ip netns exec "$nsa" "$@"; }
inB() { ip netns exec "$nsb" "$@"; }

ip netns add "$nsa"
ip netns add "$nsb"
ip link add "$va" netns "$nsa" type veth peer name "$vb" netns "$nsb"
inA ip addr add "$a_ip/24" dev "$va"
inB ip addr add "$b_ip/24" dev "$vb"
# IPv4 only: the links' own IPv6 chatter (MLD reports, router solicitations) would land in random files.
inA sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
inB sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
inA ip link set lo up
inB ip link set lo up
inA ip link set "$va" up
inB ip link set "$vb" up
# veth leaves TCP/UDP checksums to "hardware" that does not exist: switch TX checksumming off so that the
# captured frames carry the checksums a NIC would have filled in.
inA ethtool -K "$va" tx off >/dev/null
inB ethtool -K "$vb" tx off >/dev/null
# B forwards 10.99.9.0/24 (back towards A: the route only has to exist), so a TTL-1 datagram through B
# gets a time exceeded back (the kernel checks the TTL before it sends anything on).
inB ip route add 10.99.9.0/24 via "$a_ip"
inB sysctl -qw net.ipv4.ip_forward=1
inA ip route add 10.99.9.0/24 via "$b_ip"
sleep 1 # DAD and the links' own multicast reports settle before the first capture

start_capture() {
    local file="$out/$1.pcap"
    rm -f "$file"
    if [ "$capture_tool" = dumpcap ]; then
        ip netns exec "$nsa" dumpcap -q -P -i "$va" -w "$file" >/dev/null 2>&1 &
    else
        ip netns exec "$nsa" tcpdump -q -i "$va" -U -w "$file" >/dev/null 2>&1 &
    fi
    capture_pid=$!
    # ip netns exec execs the tool, so $! is the capture itself. It writes the file header once it runs; wait until it is there (bounded).
    for _ in $(seq 50); do [ -s "$file" ] && break; sleep 0.1; done
    sleep 0.3
}

stop_capture() {
    sleep 0.5
    kill "$capture_pid" 2>/dev/null || true
    wait "$capture_pid" 2>/dev/null || true
    capture_pid=""
}

flush_neighbours() {
    inA ip neigh flush dev "$va" || true
    inB ip neigh flush dev "$vb" || true
}

py() { python3 -c "$@"; }

scenario() { echo "capture: $1"; flush_neighbours; start_capture "$1"; }

scenario arp-icmp-echo
inA ping -c 2 -i 0.2 -W 1 "$b_ip" >/dev/null
stop_capture

scenario icmp-fragmented-echo
inA ping -c 1 -s 4000 -W 1 "$b_ip" >/dev/null
stop_capture

scenario icmp-port-unreachable
inA python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(b'to a closed port', ('$b_ip', 9))
"
stop_capture

scenario icmp-time-exceeded
inA ping -c 1 -t 1 -W 1 "$routed" >/dev/null || true
stop_capture

scenario ip-options
inA ping -c 1 -R -W 1 "$b_ip" >/dev/null || true
inA ping -c 1 -T tsonly -W 1 "$b_ip" >/dev/null || true
stop_capture

scenario icmp-timestamp
inA python3 -c "
import socket, struct
def csum(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16: s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF
m = struct.pack('!BBHHHIII', 13, 0, 0, 0x1234, 1, 1000, 0, 0)
m = m[:2] + struct.pack('!H', csum(m)) + m[4:]
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s.sendto(m, ('$b_ip', 0))
s.settimeout(1)
try: s.recv(100)
except OSError: pass
"
stop_capture

scenario udp
inB python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('$b_ip', 5000)); s.settimeout(2)
for _ in range(3):
    try: d, a = s.recvfrom(65535); s.sendto(d[:64], a)
    except OSError: break
" &
server=$!
sleep 0.5
inA python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1)
for payload in (b'hello fastpath', b'', b'x' * 3000):
    s.sendto(payload, ('$b_ip', 5000))
    try: s.recvfrom(65535)
    except OSError: pass
"
wait $server || true
stop_capture

scenario tcp
inB python3 -c "
import socket
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(('$b_ip', 8080)); l.listen(4); l.settimeout(3)
c, _ = l.accept()
data = c.recv(100000)
c.sendall(b'reply ' * 500)
c.shutdown(socket.SHUT_WR)
c.recv(10)
c.close()
c, _ = l.accept()
c.recv(100)
import struct
c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
c.close()
" &
server=$!
sleep 0.5
inA python3 -c "
import socket, time
c = socket.create_connection(('$b_ip', 8080), timeout=3)
c.sendall(b'GET / HTTP/1.0\r\n\r\n' + b'q' * 4000)
got = b''
while True:
    d = c.recv(65536)
    if not d: break
    got += d
c.close()
time.sleep(0.2)
c = socket.create_connection(('$b_ip', 8080), timeout=3)
c.sendall(b'abort me')
try: c.recv(10)
except OSError: pass
c.close()
try: socket.create_connection(('$b_ip', 8081), timeout=1)
except OSError: pass
"
wait $server || true
stop_capture

for version in 2 3; do
    scenario "igmpv$version"
    inA sysctl -qw "net.ipv4.conf.$va.force_igmp_version=$version"
    inA python3 -c "
import socket, struct, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for group in ('239.1.2.3', '239.7.7.7'):
    s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, socket.inet_aton(group) + socket.inet_aton('$a_ip'))
time.sleep(0.3)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton('$a_ip'))
s.sendto(b'to the group', ('239.1.2.3', 5001))
time.sleep(0.3)
s.setsockopt(socket.IPPROTO_IP, socket.IP_DROP_MEMBERSHIP, socket.inet_aton('239.1.2.3') + socket.inet_aton('$a_ip'))
time.sleep(0.3)
if $version == 3:
    # An IGMPv3 source-specific join (INCLUDE {source}) and its leave: IP_ADD_SOURCE_MEMBERSHIP 39, IP_DROP_SOURCE_MEMBERSHIP 40 (linux/in.h).
    mreq = socket.inet_aton('232.1.1.1') + socket.inet_aton('$a_ip') + socket.inet_aton('$b_ip')
    s.setsockopt(socket.IPPROTO_IP, 39, mreq)
    time.sleep(0.3)
    s.setsockopt(socket.IPPROTO_IP, 40, mreq)
    time.sleep(0.3)
s.close()
"
    stop_capture
done

trap - EXIT INT TERM
cleanup
for f in "$out"/*.pcap; do
    printf '%-40s %s frames\n' "$(basename "$f")" "$(tshark -r "$f" 2>/dev/null | wc -l)"
done
