using FastPath.Engine.Memory;
using FastPath.Engine.Ports;
using FastPath.Wire.Ethernet;

namespace FastPath.Engine.Tests.Ports;

public class MemoryPortTests
{
    [Fact]
    public void A_frame_sent_on_one_end_arrives_on_the_other_as_a_copy_in_the_receivers_pool()
    {
        var (a, b) = MemoryPort.CreatePair(new MemoryPortOptions { FrameCount = 64 });
        using (a)
        using (b)
        {
            Packet sent = TestFrames.Allocate(a.Pool, 7, length: 100);
            Assert.Equal(1, a.Transmit([sent]));

            Span<Packet> received = new Packet[4];
            Assert.Equal(1, b.Receive(received));
            Assert.True(b.Pool.Owns(received[0].Frame));
            Assert.Equal(TestFrames.Expected(7, 100), b.Pool.Region.GetSpan(received[0]).ToArray());
            Assert.Equal(FramePool.DefaultHeadroom, received[0].Offset);
            b.Pool.Free(received[0]);

            Assert.Equal(1, a.Pool.InUse); // the sender's frame comes back through the completion ring
            a.Flush();
            Assert.Equal(0, a.Pool.InUse);
            Assert.Equal(0, b.Pool.InUse);
            Assert.Equal((1, 100), (a.Stats.TxPackets, a.Stats.TxBytes));
            Assert.Equal((1, 100), (b.Stats.RxPackets, b.Stats.RxBytes));
        }
    }

    [Fact]
    public void Both_directions_carry_frames_in_order()
    {
        var (a, b) = MemoryPort.CreatePair(new MemoryPortOptions { FrameCount = 64 });
        using (a)
        using (b)
        {
            Assert.Equal(3, a.Transmit([TestFrames.Allocate(a.Pool, 1), TestFrames.Allocate(a.Pool, 2), TestFrames.Allocate(a.Pool, 3)]));
            Assert.Equal(2, b.Transmit([TestFrames.Allocate(b.Pool, 10), TestFrames.Allocate(b.Pool, 11)]));
            Assert.Equal([1, 2, 3], ReceiveSequences(b));
            Assert.Equal([10, 11], ReceiveSequences(a));
            a.Flush();
            b.Flush();
            Assert.Equal((0, 0), (a.Pool.InUse, b.Pool.InUse));
        }
    }

    [Fact]
    public void Info_describes_a_memory_port()
    {
        var (a, b) = MemoryPort.CreatePair(new MemoryPortOptions { FrameCount = 8 });
        using (a)
        using (b)
        {
            Assert.Equal("memory", a.Info.Driver);
            Assert.Equal(1500, a.Info.Mtu);
            Assert.True(a.Info.Mac.IsLocallyAdministered && a.Info.Mac.IsUnicast);
            Assert.True(b.Info.Mac.IsLocallyAdministered && b.Info.Mac.IsUnicast);
            Assert.NotEqual(a.Info.Mac, b.Info.Mac);
            Assert.NotEqual(a.Info.Name, b.Info.Name);
        }
        var mac = MacAddress.Parse("02:12:34:56:78:9a");
        var (c, d) = MemoryPort.CreatePair(new MemoryPortOptions { FrameCount = 8, MacA = mac, NameA = "left" });
        using (c)
        using (d)
        {
            Assert.Equal(mac, c.Info.Mac);
            Assert.Equal("left", c.Info.Name);
        }
    }

    [Fact]
    public void A_full_ring_takes_a_prefix_and_counts_it()
    {
        var (a, b) = MemoryPort.CreatePair(new MemoryPortOptions { FrameCount = 64, RingSize = 8 });
        using (a)
        using (b)
        {
            Packet[] burst = new Packet[20];
            for (int i = 0; i < burst.Length; i++) burst[i] = TestFrames.Allocate(a.Pool, i);

            Assert.Equal(8, a.Transmit(burst));
            Assert.Equal(1, a.Stats.TxRingFull);
            Assert.Equal(0, a.Transmit(burst.AsSpan(8)));
            Assert.Equal(2, a.Stats.TxRingFull);
            Assert.Equal(Enumerable.Range(0, 8), ReceiveSequences(b));

            Assert.Equal(8, a.Transmit(burst.AsSpan(8)));
            Assert.Equal(Enumerable.Range(8, 8), ReceiveSequences(b));
            Assert.Equal(4, a.Transmit(burst.AsSpan(16)));
            Assert.Equal(Enumerable.Range(16, 4), ReceiveSequences(b));

            a.Flush();
            Assert.Equal((0, 0), (a.Pool.InUse, b.Pool.InUse));
            Assert.Equal(20, a.Stats.TxPackets);
            Assert.Equal(20, b.Stats.RxPackets);
        }
    }

    [Fact]
    public void A_receiver_without_free_frames_drops_and_counts()
    {
        var (a, b) = MemoryPort.CreatePair(new MemoryPortOptions { FrameCount = 16 });
        using (a)
        using (b)
        {
            var hoard = new Packet[16];
            Assert.Equal(16, b.Pool.AllocateBurst(hoard));
            Assert.Equal(5, a.Transmit([.. Enumerable.Range(0, 5).Select(i => TestFrames.Allocate(a.Pool, i))]));

            Assert.Equal(0, b.Receive(new Packet[8]));
            Assert.Equal(5, b.Stats.RxDropped);
            Assert.Equal(5, b.Stats.FillRingEmpty);
            Assert.Equal(0, b.Stats.RxPackets);

            a.Flush();
            Assert.Equal(0, a.Pool.InUse); // dropped frames still come back to their sender
            b.Pool.Free(hoard);
        }
    }

    [Fact]
    public void A_frame_longer_than_the_MTU_allows_is_taken_and_dropped()
    {
        var (a, b) = MemoryPort.CreatePair(new MemoryPortOptions { FrameCount = 16 });
        using (a)
        using (b)
        {
            // 1500 + 14 + 4: the longest frame with one VLAN tag.
            Packet[] burst = [TestFrames.Allocate(a.Pool, 1, 1518), TestFrames.Allocate(a.Pool, 2, 1519), TestFrames.Allocate(a.Pool, 3, 60)];
            Assert.Equal(3, a.Transmit(burst));
            Assert.Equal(1, a.Stats.TxDropped);
            Assert.Equal(2, a.Stats.TxPackets);
            Assert.Equal([1, 3], ReceiveSequences(b));
            a.Flush();
            Assert.Equal(0, a.Pool.InUse);
        }
    }

    [Fact]
    public void A_frame_of_another_pool_is_a_programming_error()
    {
        // Two pools over halves of one region, so frame indices tell the pools apart.
        using FrameRegion region = FrameRegion.Create(32);
        var poolA = new FramePool(region, 0, 16);
        var poolB = new FramePool(region, 16, 16);
        var (a, b) = MemoryPort.CreatePair(poolA, poolB);
        using (a)
        using (b)
        {
            Packet foreign = TestFrames.Allocate(poolB, 1);
            var error = Assert.Throws<ArgumentException>(() => a.Transmit([foreign]));
            Assert.Contains("not a frame of this port's pool", error.Message, StringComparison.Ordinal);
            poolB.Free(foreign);
        }
    }

    [Fact]
    public void Each_end_needs_its_own_pool()
    {
        using FrameRegion region = FrameRegion.Create(16);
        var pool = new FramePool(region);
        Assert.Throws<ArgumentException>(() => MemoryPort.CreatePair(pool, pool));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Disposing_both_ends_returns_every_frame_in_flight_to_its_pool(bool aFirst)
    {
        using FrameRegion regionA = FrameRegion.Create(64);
        using FrameRegion regionB = FrameRegion.Create(64);
        var poolA = new FramePool(regionA);
        var poolB = new FramePool(regionB);
        var (a, b) = MemoryPort.CreatePair(poolA, poolB);

        Assert.Equal(10, a.Transmit([.. Enumerable.Range(0, 10).Select(i => TestFrames.Allocate(poolA, i))]));
        Assert.Equal(3, b.Transmit([.. Enumerable.Range(0, 3).Select(i => TestFrames.Allocate(poolB, i))]));
        var received = new Packet[4];
        Assert.Equal(4, b.Receive(received)); // four of A's frames are on the completion ring now
        poolB.Free(received);

        if (aFirst)
        {
            a.Dispose();
            b.Dispose();
        }
        else
        {
            b.Dispose();
            a.Dispose();
        }
        Assert.Equal(0, poolA.InUse);
        Assert.Equal(0, poolB.InUse);
        Assert.Throws<ObjectDisposedException>(() => a.Transmit([]));
        Assert.Throws<ObjectDisposedException>(() => b.Receive(received));
    }

    [Fact]
    public void A_port_still_running_gets_its_frames_back_from_a_disposed_peer()
    {
        var (a, b) = MemoryPort.CreatePair(new MemoryPortOptions { FrameCount = 64 });
        Assert.Equal(5, b.Transmit([.. Enumerable.Range(0, 5).Select(i => TestFrames.Allocate(b.Pool, i))]));
        a.Dispose();
        b.Flush();
        Assert.Equal(0, b.Pool.InUse);
        b.Dispose();
    }

    [Fact]
    public void Receive_and_transmit_allocate_nothing_per_packet()
    {
        var (a, b) = MemoryPort.CreatePair(new MemoryPortOptions { FrameCount = 256 });
        using (a)
        using (b)
        {
            var burst = new Packet[32];
            var received = new Packet[32];
            int RoundTrip()
            {
                a.Pool.AllocateBurst(burst);
                for (int i = 0; i < burst.Length; i++) burst[i].Length = 64;
                a.Transmit(burst);
                int n = b.Receive(received);
                b.Pool.Free(received.AsSpan(0, n));
                return n;
            }
            Assert.Equal(32, RoundTrip());
            long before = GC.GetAllocatedBytesForCurrentThread();
            int total = 0;
            for (int i = 0; i < 1000; i++) total += RoundTrip();
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Equal(32_000, total);
            Assert.Equal(0, allocated);
        }
    }

    [Fact]
    public void A_million_frames_each_way_between_two_threads_all_arrive_in_order()
    {
        const int Count = 1_000_000;
        var (a, b) = MemoryPort.CreatePair(new MemoryPortOptions { FrameCount = 1024, RingSize = 256 });
        using (a)
        using (b)
        {
            Exception? failure = null;
            void Run(MemoryPort port)
            {
                try
                {
                    Pump(port, Count);
                }
                catch (Exception e)
                {
                    failure ??= e;
                }
            }
            var threadA = new Thread(() => Run(a));
            var threadB = new Thread(() => Run(b));
            threadA.Start();
            threadB.Start();
            Assert.True(threadA.Join(TimeSpan.FromMinutes(3)), "thread A did not finish");
            Assert.True(threadB.Join(TimeSpan.FromMinutes(3)), "thread B did not finish");
            Assert.Null(failure);

            // The threads are joined: this thread now owns both ports.
            a.Flush();
            b.Flush();
            Assert.Equal((0, 0), (a.Pool.InUse, b.Pool.InUse));
            foreach (MemoryPort port in new[] { a, b })
            {
                PortStats stats = port.Stats;
                Assert.Equal(Count, stats.TxPackets);
                Assert.Equal(Count, stats.RxPackets);
                Assert.Equal(Count * 64L, stats.TxBytes);
                Assert.Equal(Count * 64L, stats.RxBytes);
                Assert.Equal(0, stats.RxDropped);
            }
        }
    }

    /// <summary>Sends <paramref name="count"/> numbered frames and receives as many from the peer, checking their order.</summary>
    private static void Pump(MemoryPort port, int count)
    {
        var burst = new Packet[32];
        var received = new Packet[32];
        int sent = 0, expected = 0, pending = 0;
        while (sent < count || expected < count)
        {
            bool progress = false;
            if (sent < count)
            {
                if (pending == 0)
                {
                    pending = port.Pool.AllocateBurst(burst.AsSpan(0, Math.Min(burst.Length, count - sent)));
                    for (int i = 0; i < pending; i++)
                    {
                        burst[i].Length = 64;
                        TestFrames.Fill(port.Pool.Region.GetSpan(burst[i]), sent + i);
                    }
                }
                int accepted = port.Transmit(burst.AsSpan(0, pending));
                if (accepted > 0)
                {
                    // Keep the refused tail at the front for the next call.
                    burst.AsSpan(accepted, pending - accepted).CopyTo(burst);
                    pending -= accepted;
                    sent += accepted;
                    progress = true;
                }
            }
            int n = port.Receive(received);
            for (int i = 0; i < n; i++)
            {
                int sequence = TestFrames.SequenceOf(port.Pool, received[i]);
                if (sequence != expected) throw new InvalidOperationException($"{port.Info.Name}: frame {sequence} arrived, {expected} expected");
                expected++;
            }
            port.Pool.Free(received.AsSpan(0, n));
            if (n > 0) progress = true;
            if (!progress) Thread.Yield();
        }
    }

    private static List<int> ReceiveSequences(MemoryPort port)
    {
        var sequences = new List<int>();
        var received = new Packet[64];
        int n;
        while ((n = port.Receive(received)) > 0)
        {
            foreach (Packet packet in received.AsSpan(0, n)) sequences.Add(TestFrames.SequenceOf(port.Pool, packet));
            port.Pool.Free(received.AsSpan(0, n));
        }
        return sequences;
    }
}
