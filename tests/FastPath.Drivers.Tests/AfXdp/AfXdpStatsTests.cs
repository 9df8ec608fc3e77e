using System.Net.Sockets;
using FastPath.Drivers.Linux.AfXdp;
using FastPath.Engine.Memory;
using FastPath.TestKit;

namespace FastPath.Drivers.Tests.AfXdp;

/// <summary>The port's counters and the kernel's XDP_STATISTICS move when traffic and overload say they should.</summary>
public sealed class AfXdpStatsTests
{
    [Fact]
    public void Packets_and_bytes_are_counted_both_ways()
    {
        using var lab = NetLab.Create();
        using Socket peer = lab.OpenPeerUdp(7003);
        using var port = AfXdpPort.Open(lab.LocalInterface);

        var packets = Enumerable.Range(0, 10).Select(i => AfXdpLab.StageUdpToPeer(port, lab, AfXdpTrafficTests.Payload(i), 40000, 7003)).ToArray();
        long bytes = packets.Sum(packet => (long)packet.Length);
        AfXdpLab.SendAll(port, packets);
        for (int i = 0; i < 10; i++) peer.SendTo(AfXdpTrafficTests.Payload(i), lab.LocalEndPoint(9000));
        var received = AfXdpLab.ReceiveUntil(port, 10);

        var stats = port.Stats;
        Assert.Equal(10, stats.TxPackets);
        Assert.Equal(bytes, stats.TxBytes);
        Assert.Equal(received.Count, stats.RxPackets);
        Assert.Equal(received.Sum(packet => (long)packet.Length), stats.RxBytes);
        Assert.True(port.Statistics.TxWakeups > 0, "copy mode asks for a wakeup to send");
        Assert.Equal(0, stats.RxDropped);
        Assert.Equal(0, stats.TxInvalid);
    }

    [Fact]
    public void A_port_that_does_not_receive_loses_frames_to_an_empty_fill_ring_and_the_kernel_counts_them()
    {
        using var lab = NetLab.Create();
        using Socket peer = lab.OpenPeerUdp(7004);
        using var port = AfXdpPort.Open(lab.LocalInterface, new AfXdpOptions { RingSize = 64, FrameCount = 128 });

        // 64 frames wait in the fill ring; the rest of the burst finds no buffer.
        const int sent = 200;
        for (int i = 0; i < sent; i++) peer.SendTo(AfXdpTrafficTests.Payload(i), lab.LocalEndPoint(9000));
        var deadline = DateTime.UtcNow + AfXdpLab.Patience;
        while (port.Stats.RxDropped + 64 < sent && DateTime.UtcNow < deadline) Thread.Sleep(5);

        var stats = port.Stats;
        Assert.Equal(sent - 64, stats.RxDropped);
        Assert.True(stats.FillRingEmpty > 0, $"fill ring empty counted ({stats.FillRingEmpty})");
        Assert.Equal(sent - 64, port.Statistics.RxDropped);

        var received = AfXdpLab.ReceiveUntil(port, 64);
        Assert.Equal(64, received.Count);
        Assert.Equal(64, port.Stats.RxPackets);
    }

    [Fact]
    public void Transmit_takes_what_fits_in_the_tx_ring_and_counts_the_ring_full()
    {
        using var lab = NetLab.Create();
        using var port = AfXdpPort.Open(lab.LocalInterface, new AfXdpOptions { RingSize = 64, FrameCount = 256 });
        // The fill ring holds 64 frames; 100 of the other 192 go out in one burst.
        var packets = Enumerable.Range(0, 100).Select(i => AfXdpLab.StageUdpToPeer(port, lab, AfXdpTrafficTests.Payload(i), 40000, 9)).ToArray();

        Assert.Equal(64, port.Transmit(packets));
        Assert.Equal(1, port.Stats.TxRingFull);
        Assert.Equal(64, port.TxOutstanding);
        AfXdpLab.SendAll(port, packets.AsSpan(64));
        Assert.Equal(100, port.Stats.TxPackets);
        Assert.Equal(0, port.TxOutstanding);
        Assert.Equal(port.Pool.Capacity - 64, port.Pool.Available);
    }

    [Fact]
    public void A_packet_outside_the_ports_frames_is_refused_and_nothing_is_queued()
    {
        using var lab = NetLab.Create();
        using var port = AfXdpPort.Open(lab.LocalInterface);
        var good = AfXdpLab.StageUdpToPeer(port, lab, [1, 2, 3], 40000, 9);
        Packet[] burst = [good, new Packet((uint)port.Pool.Region.FrameCount, 0, 60)];
        Assert.Throws<ArgumentException>(() => port.Transmit(burst));
        Packet[] crossing = [good, new Packet(good.Frame, 2000, 60)];
        Assert.Throws<ArgumentException>(() => port.Transmit(crossing));
        Assert.Equal(0, port.Stats.TxPackets);
        Assert.Equal(0, port.TxOutstanding);

        Assert.Equal(1, port.Transmit([good]));
        AfXdpLab.SendAll(port, []);
        Assert.Equal(0, port.Stats.TxInvalid);
    }

    [Fact]
    public void The_burst_loop_allocates_nothing()
    {
        using var lab = NetLab.Create();
        using var port = AfXdpPort.Open(lab.LocalInterface);
        byte[] frame = TestFrames.Udp(new byte[18], 40000, 9, source: lab.LocalIp, destination: lab.PeerIp, destinationMac: lab.PeerMac);

        // Warm up (JIT tiers, first-touch of the rings), then measure the same loop.
        Loop(port, frame, 2000);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Loop(port, frame, 20000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.True(port.Stats.TxPackets > 0);
    }

    private static void Loop(AfXdpPort port, byte[] frame, int iterations)
    {
        Span<Packet> burst = stackalloc Packet[32];
        Span<Packet> received = stackalloc Packet[32];
        for (int iteration = 0; iteration < iterations; iteration++)
        {
            int n = port.Pool.AllocateBurst(burst);
            for (int i = 0; i < n; i++)
            {
                frame.CopyTo(port.Pool.Region.GetWritableSpan(burst[i]));
                burst[i].Length = (ushort)frame.Length;
            }
            int taken = port.Transmit(burst[..n]);
            port.Pool.Free(burst[taken..n]);
            port.Flush();
            int got = port.Receive(received);
            port.Pool.Free(received[..got]);
        }
    }
}
