using System.Net.Sockets;
using FastPath.Drivers.Linux.AfPacket;
using FastPath.Engine.Memory;
using FastPath.Engine.Ports;
using FastPath.TestKit;
using FastPath.Wire.Icmp;
using FastPath.Wire.Ipv4;

namespace FastPath.Drivers.Tests.AfPacket;

/// <summary>Counters, and the data path's promise of no allocation.</summary>
[Collection(AfPacketCollection.Name)]
public sealed class AfPacketStatsTests
{
    private const ushort DestinationPort = 7500;

    [Fact]
    public void Counted_frames_and_bytes_match_the_traffic_both_ways()
    {
        using var lab = NetLab.Create();
        using var port = AfPacketPort.Open(lab.LocalInterface);
        using Socket peer = lab.OpenPeerUdp(5500);
        byte[] frame = AfPacketTraffic.Udp(lab.LocalMac, lab.PeerMac, lab.LocalIp, lab.PeerIp, 40500, 5500, new byte[100]);
        for (int i = 0; i < 10; i++) AfPacketTraffic.Send(port, frame);
        for (int i = 0; i < 7; i++) peer.SendTo(new byte[200], lab.LocalEndPoint(DestinationPort));

        int received = 0;
        AfPacketTraffic.ReceiveUntil(port, f => AfPacketPortTests.IsUdpTo(f, DestinationPort) && ++received == 7);

        PortStats stats = port.Stats;
        Assert.Equal(10, stats.TxPackets);
        Assert.Equal(10L * frame.Length, stats.TxBytes);
        Assert.Equal(7, stats.RxPackets); // the peer sends nothing else: IPv6 is off and the neighbour entry is permanent
        Assert.Equal(7L * (14 + 20 + 8 + 200), stats.RxBytes);
        Assert.Equal(0, stats.RxDropped);
        Assert.Equal(0, stats.TxRingFull);
    }

    [Fact]
    public void A_ring_left_unread_freezes_and_the_kernel_drops_are_counted_and_accumulated()
    {
        using var lab = NetLab.Create();
        // Two one-page blocks: room for a few dozen small frames.
        using var port = AfPacketPort.Open(lab.LocalInterface, new AfPacketOptions { RxBlockSize = 4096, RxBlockCount = 2 });
        using Socket peer = lab.OpenPeerUdp(5501);
        const int sent = 500;
        for (int i = 0; i < sent; i++) peer.SendTo(new byte[64], lab.LocalEndPoint(DestinationPort));

        PortStats full = port.Stats;
        Assert.True(full.RxDropped > 0, $"no drops: {full}");
        Assert.True(full.RxRingFull > 0, $"the ring never froze: {full}");
        // PACKET_STATISTICS resets on read; the port keeps the totals.
        Assert.True(port.Stats.RxDropped >= full.RxDropped);

        var packets = new Packet[64];
        int received = 0;
        for (int n; (n = port.Receive(packets)) > 0;)
        {
            received += n;
            port.Pool.Free(packets.AsSpan(0, n));
        }
        PortStats after = port.Stats;
        Assert.Equal(received, after.RxPackets);
        Assert.Equal(sent, after.RxPackets + after.RxDropped);
    }

    [Fact]
    public void Steady_state_transmit_flush_and_receive_allocate_nothing()
    {
        using var lab = NetLab.Create();
        using var port = AfPacketPort.Open(lab.LocalInterface);
        // Echo requests to the peer: the kernel answers each, so the loop receives as much as it sends.
        byte[] request = EchoRequest(lab);
        var burst = new Packet[32];
        var received = new Packet[64];

        long rxBefore = 0;
        long allocated = 0;
        for (int phase = 0; phase < 2; phase++)
        {
            // Phase 0 warms up (JIT tiers, lazy statics); phase 1 is measured.
            rxBefore = port.Stats.RxPackets;
            long start = GC.GetAllocatedBytesForCurrentThread();
            for (int round = 0; round < 200; round++)
            {
                int count = port.Pool.AllocateBurst(burst);
                for (int i = 0; i < count; i++)
                {
                    request.CopyTo(port.Pool.Region.GetWritableSpan(burst[i]));
                    burst[i].Length = (ushort)request.Length;
                }
                int taken = port.Transmit(burst.AsSpan(0, count));
                port.Pool.Free(burst.AsSpan(taken, count - taken));
                port.Flush();
                int n = port.Receive(received);
                port.Pool.Free(received.AsSpan(0, n));
            }
            allocated = GC.GetAllocatedBytesForCurrentThread() - start;
        }

        Assert.Equal(0, allocated);
        Assert.True(port.Stats.RxPackets > rxBefore, "the measured loop received nothing");
        Assert.Equal(0, port.Pool.InUse);
    }

    private static byte[] EchoRequest(NetLab lab)
    {
        var repr = Icmpv4Repr.EchoRequest(0x4650, 1, 18);
        byte[] frame = TestFrames.Ipv4(IpProtocol.Icmp, repr.MessageLength, lab.LocalIp, lab.PeerIp, null, lab.PeerMac,
            (message, _, _) => repr.Emit(new Icmpv4Packet(message)));
        new FastPath.Wire.Ethernet.EthernetFrame(frame).Source = lab.LocalMac;
        return frame;
    }
}
