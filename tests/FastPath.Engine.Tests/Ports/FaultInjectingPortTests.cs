using FastPath.Engine.Memory;
using FastPath.Engine.Ports;

namespace FastPath.Engine.Tests.Ports;

/// <summary>
/// Faults on a memory wire: numbered frames go through a FaultInjectingPort on A and are read on B. Counts
/// are checked against binomial bounds: 10 000 frames at 5% give a mean of 500 and a standard deviation of
/// 22, so 350..650 is about seven deviations wide and fails only if the fault rate is wrong.
/// </summary>
public class FaultInjectingPortTests
{
    private const int Count = 10_000;
    private const int Length = 64;

    [Fact]
    public void Loss_drops_about_the_rate_and_nothing_else()
    {
        var clock = new ManualClock();
        Run result = Send(new FaultOptions { Seed = 1, LossRate = 0.05, TimeProvider = clock }, clock);

        Assert.InRange(result.Faults.Lost, 350, 650);
        Assert.Equal(Count - result.Faults.Lost, result.Frames.Count);
        AssertStrictlyIncreasing(result.Sequences);
        AssertAllIntact(result);
        Assert.Equal(result.Faults.Lost, result.SenderStats.TxDropped);
        Assert.Equal(result.Frames.Count, result.ReceiverStats.RxPackets);
        Assert.Equal(default, result.Faults with { Lost = 0 }); // no other fault fired
    }

    [Fact]
    public void Duplication_sends_about_the_rate_twice_right_after_the_original()
    {
        var clock = new ManualClock();
        Run result = Send(new FaultOptions { Seed = 2, DuplicateRate = 0.05, TimeProvider = clock }, clock);

        Assert.InRange(result.Faults.Duplicated, 350, 650);
        Assert.Equal(0, result.Faults.DuplicateFailed);
        Assert.Equal(Count + result.Faults.Duplicated, result.Frames.Count);
        AssertAllIntact(result);
        int twice = 0, expected = 0;
        for (int i = 0; i < result.Sequences.Count; i++)
        {
            Assert.Equal(expected, result.Sequences[i]);
            if (i + 1 < result.Sequences.Count && result.Sequences[i + 1] == expected)
            {
                twice++;
                i++;
            }
            expected++;
        }
        Assert.Equal(Count, expected);
        Assert.Equal(result.Faults.Duplicated, twice);
    }

    [Fact]
    public void Corruption_flips_exactly_one_bit_in_about_the_rate_of_frames()
    {
        var clock = new ManualClock();
        Run result = Send(new FaultOptions { Seed = 3, CorruptRate = 0.05, TimeProvider = clock }, clock);

        Assert.InRange(result.Faults.Corrupted, 350, 650);
        Assert.Equal(Count, result.Frames.Count);
        int corrupted = 0;
        for (int i = 0; i < Count; i++)
        {
            // Order is kept, so position i holds frame i even if its sequence number was the bit hit.
            int bits = TestFrames.BitDifference(TestFrames.Expected(i, Length), result.Frames[i]);
            Assert.InRange(bits, 0, 1);
            corrupted += bits;
        }
        Assert.Equal(result.Faults.Corrupted, corrupted);
    }

    [Fact]
    public void Reordering_holds_frames_back_behind_the_next_k_and_loses_none()
    {
        const int Depth = 3;
        var clock = new ManualClock();
        Run result = Send(new FaultOptions { Seed = 4, ReorderRate = 0.05, ReorderDepth = Depth, TimeProvider = clock }, clock);

        Assert.InRange(result.Faults.Reordered, 350, 650);
        Assert.Equal(Enumerable.Range(0, Count), result.Sequences.Order());
        AssertAllIntact(result);

        // A frame not held has no later frame ahead of it; a held one has exactly Depth, unless it was still
        // held when the stream ended and the reorder timeout let it go.
        int[] overtakenBy = OvertakenCounts(result.Sequences);
        Assert.All(overtakenBy, n => Assert.InRange(n, 0, Depth));
        Assert.Equal(result.Faults.Reordered - result.HeldAtEnd, overtakenBy.Count(n => n == Depth));
        Assert.True(overtakenBy.Count(n => n > 0) <= result.Faults.Reordered);
    }

    [Fact]
    public void Delay_holds_every_frame_until_its_deadline_then_releases_them_in_order()
    {
        var clock = new ManualClock();
        var (a, b) = MemoryPort.CreatePair(new MemoryPortOptions { FrameCount = 256 });
        var faulty = new FaultInjectingPort(a, new FaultOptions { Delay = TimeSpan.FromMilliseconds(5), TimeProvider = clock });
        using (faulty)
        using (b)
        {
            Assert.Equal(100, faulty.Transmit(Numbered(a.Pool, 0, 100)));
            Assert.Equal(100, faulty.TransmitFaults.Delayed);
            Assert.Equal(100, faulty.Pending);
            faulty.Flush();
            Assert.Empty(ReceiveAll(b));

            clock.Advance(TimeSpan.FromMilliseconds(4.9));
            faulty.Flush();
            Assert.Empty(ReceiveAll(b));

            Assert.Equal(50, faulty.Transmit(Numbered(a.Pool, 100, 50)));
            clock.Advance(TimeSpan.FromMilliseconds(0.1));
            Assert.Equal(0, faulty.Receive(new Packet[8])); // a receive call moves due frames out too
            Assert.Equal(Enumerable.Range(0, 100), ReceiveAll(b).Select(f => f.Sequence));

            clock.Advance(TimeSpan.FromMilliseconds(5));
            faulty.Flush();
            Assert.Equal(Enumerable.Range(100, 50), ReceiveAll(b).Select(f => f.Sequence));
            Assert.Equal(0, faulty.Pending);
        }
        Assert.Equal((0, 0), (a.Pool.InUse, b.Pool.InUse));
    }

    [Fact]
    public void A_full_delay_queue_takes_a_prefix_and_counts_it()
    {
        var clock = new ManualClock();
        var (a, b) = MemoryPort.CreatePair(new MemoryPortOptions { FrameCount = 256 });
        var options = new FaultOptions { Delay = TimeSpan.FromSeconds(1), QueueCapacity = 16, TimeProvider = clock };
        var faulty = new FaultInjectingPort(a, options);
        using (faulty)
        using (b)
        {
            Packet[] burst = Numbered(a.Pool, 0, 100);
            int accepted = faulty.Transmit(burst);
            Assert.Equal(15, accepted); // a frame is taken only while there is room for it and a duplicate
            Assert.Equal(1, faulty.Stats.TxRingFull);
            a.Pool.Free(burst.AsSpan(accepted));

            clock.Advance(TimeSpan.FromSeconds(1));
            faulty.Flush();
            Assert.Equal(Enumerable.Range(0, 15), ReceiveAll(b).Select(f => f.Sequence));
        }
        Assert.Equal((0, 0), (a.Pool.InUse, b.Pool.InUse));
    }

    [Fact]
    public void Frames_the_inner_port_refuses_wait_in_order_for_room()
    {
        var clock = new ManualClock();
        var (a, b) = MemoryPort.CreatePair(new MemoryPortOptions { FrameCount = 256, RingSize = 8 });
        var faulty = new FaultInjectingPort(a, new FaultOptions { CorruptRate = 0.0001, Seed = 9, TimeProvider = clock });
        using (faulty)
        using (b)
        {
            Assert.Equal(20, faulty.Transmit(Numbered(a.Pool, 0, 20)));
            Assert.Equal(12, faulty.Pending);
            var sequences = new List<int>();
            while (sequences.Count < 20)
            {
                sequences.AddRange(ReceiveAll(b).Select(f => f.Sequence));
                faulty.Flush();
            }
            Assert.Equal(Enumerable.Range(0, 20), sequences);
        }
        Assert.Equal((0, 0), (a.Pool.InUse, b.Pool.InUse));
    }

    [Fact]
    public void The_same_seed_gives_the_same_faults_and_another_seed_does_not()
    {
        FaultOptions Options(long seed, ManualClock clock) => new()
        {
            Seed = seed,
            LossRate = 0.05,
            DuplicateRate = 0.05,
            ReorderRate = 0.05,
            CorruptRate = 0.05,
            TimeProvider = clock,
        };
        var clock1 = new ManualClock();
        var clock2 = new ManualClock();
        var clock3 = new ManualClock();
        Run first = Send(Options(42, clock1), clock1);
        Run second = Send(Options(42, clock2), clock2);
        Run other = Send(Options(43, clock3), clock3);

        Assert.Equal(first.Faults, second.Faults);
        Assert.Equal(first.Frames.Count, second.Frames.Count);
        for (int i = 0; i < first.Frames.Count; i++) Assert.Equal(first.Frames[i], second.Frames[i]);
        Assert.NotEqual(first.Faults, other.Faults);
        Assert.NotEqual(first.Sequences, other.Sequences);
    }

    [Fact]
    public void Receive_faults_apply_to_received_frames_when_asked()
    {
        var clock = new ManualClock();
        var (a, b) = MemoryPort.CreatePair(new MemoryPortOptions { FrameCount = 256 });
        var faulty = new FaultInjectingPort(b, new FaultOptions { Seed = 5, LossRate = 0.05, Directions = PortDirections.Receive, TimeProvider = clock });
        var sequences = new List<int>();
        var received = new Packet[32];
        for (int sent = 0; sent < Count; sent += 32)
        {
            Assert.Equal(32, a.Transmit(Numbered(a.Pool, sent, 32)));
            int n;
            while ((n = faulty.Receive(received)) > 0)
            {
                foreach (Packet packet in received.AsSpan(0, n)) sequences.Add(TestFrames.SequenceOf(b.Pool, packet));
                b.Pool.Free(received.AsSpan(0, n));
            }
        }
        int total = (Count + 31) / 32 * 32;
        Assert.InRange(faulty.ReceiveFaults.Lost, 350, 650);
        Assert.Equal(default, faulty.TransmitFaults);
        Assert.Equal(total - faulty.ReceiveFaults.Lost, sequences.Count);
        AssertStrictlyIncreasing(sequences);
        Assert.Equal(faulty.ReceiveFaults.Lost, faulty.Stats.RxDropped);
        faulty.Dispose();
        a.Dispose();
        Assert.Equal((0, 0), (a.Pool.InUse, b.Pool.InUse));
    }

    [Fact]
    public void A_duplicate_without_a_free_frame_is_skipped_and_counted()
    {
        var clock = new ManualClock();
        var (a, b) = MemoryPort.CreatePair(new MemoryPortOptions { FrameCount = 8 });
        var faulty = new FaultInjectingPort(a, new FaultOptions { DuplicateRate = 1, TimeProvider = clock });
        using (faulty)
        using (b)
        {
            Assert.Equal(8, faulty.Transmit(Numbered(a.Pool, 0, 8)));
            Assert.Equal(8, faulty.TransmitFaults.DuplicateFailed);
            Assert.Equal(0, faulty.TransmitFaults.Duplicated);
            Assert.Equal(Enumerable.Range(0, 8), ReceiveAll(b).Select(f => f.Sequence));
        }
        Assert.Equal((0, 0), (a.Pool.InUse, b.Pool.InUse));
    }

    [Fact]
    public void Dispose_frees_held_frames_to_the_pool()
    {
        var clock = new ManualClock();
        var (a, b) = MemoryPort.CreatePair(new MemoryPortOptions { FrameCount = 256 });
        var options = new FaultOptions { Delay = TimeSpan.FromHours(1), ReorderRate = 0.5, ReorderTimeout = Timeout.InfiniteTimeSpan, TimeProvider = clock };
        var faulty = new FaultInjectingPort(a, options);
        Assert.Equal(50, faulty.Transmit(Numbered(a.Pool, 0, 50)));
        Assert.Equal(50, faulty.Pending);
        faulty.Dispose();
        b.Dispose();
        Assert.Equal((0, 0), (a.Pool.InUse, b.Pool.InUse));
    }

    [Fact]
    public void Without_faults_the_port_is_a_pass_through()
    {
        var (a, b) = MemoryPort.CreatePair(new MemoryPortOptions { FrameCount = 64 });
        var faulty = new FaultInjectingPort(a, new FaultOptions());
        using (faulty)
        using (b)
        {
            Assert.Same(a.Pool, faulty.Pool);
            Assert.Same(a.Info, faulty.Info);
            Assert.Equal(10, faulty.Transmit(Numbered(a.Pool, 0, 10)));
            Assert.Equal(0, faulty.Pending);
            Assert.Equal(Enumerable.Range(0, 10), ReceiveAll(b).Select(f => f.Sequence));
            Assert.Equal(a.Stats, faulty.Stats);
        }
    }

    [Fact]
    public void Faults_allocate_nothing_per_packet()
    {
        var clock = new ManualClock();
        var (a, b) = MemoryPort.CreatePair(new MemoryPortOptions { FrameCount = 1024 });
        var options = new FaultOptions { Seed = 6, LossRate = 0.1, DuplicateRate = 0.1, ReorderRate = 0.1, CorruptRate = 0.1, Delay = TimeSpan.FromMilliseconds(1), TimeProvider = clock };
        var faulty = new FaultInjectingPort(a, options);
        using (faulty)
        using (b)
        {
            var burst = new Packet[32];
            var received = new Packet[64];
            int RoundTrip()
            {
                int allocated = a.Pool.AllocateBurst(burst);
                for (int i = 0; i < allocated; i++) burst[i].Length = Length;
                int accepted = faulty.Transmit(burst.AsSpan(0, allocated));
                a.Pool.Free(burst.AsSpan(accepted, allocated - accepted));
                clock.Advance(TimeSpan.FromMilliseconds(1));
                faulty.Flush();
                int n = b.Receive(received);
                b.Pool.Free(received.AsSpan(0, n));
                return n;
            }
            for (int i = 0; i < 10; i++) RoundTrip();
            long before = GC.GetAllocatedBytesForCurrentThread();
            int total = 0;
            for (int i = 0; i < 1000; i++) total += RoundTrip();
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(total > 20_000);
            Assert.Equal(0, allocated);
        }
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.1)]
    [InlineData(double.NaN)]
    public void A_rate_outside_0_to_1_is_refused(double rate)
    {
        var (a, b) = MemoryPort.CreatePair(new MemoryPortOptions { FrameCount = 8 });
        using (a)
        using (b)
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => new FaultInjectingPort(a, new FaultOptions { LossRate = rate }));
        }
    }

    private sealed record Run(List<byte[]> Frames, FaultCounters Faults, PortStats SenderStats, PortStats ReceiverStats, int HeldAtEnd)
    {
        public List<int> Sequences { get; } = Frames.ConvertAll(f => System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(f.AsSpan(TestFrames.SequenceOffset)));
    }

    /// <summary>
    /// Sends <see cref="Count"/> numbered frames through the faults in bursts of 32, reading B after each
    /// burst; then lets the clock run so held frames go out; checks both pools are whole after dispose.
    /// </summary>
    private static Run Send(FaultOptions options, ManualClock clock)
    {
        var (a, b) = MemoryPort.CreatePair(new MemoryPortOptions { FrameCount = 4096 });
        var faulty = new FaultInjectingPort(a, options);
        var frames = new List<byte[]>();
        for (int sent = 0; sent < Count;)
        {
            Packet[] burst = Numbered(a.Pool, sent, Math.Min(32, Count - sent));
            int accepted = faulty.Transmit(burst);
            Assert.Equal(burst.Length, accepted);
            sent += accepted;
            frames.AddRange(ReceiveAll(b).Select(f => f.Bytes));
        }
        int heldAtEnd = faulty.Pending;
        clock.Advance(TimeSpan.FromHours(1));
        faulty.Flush();
        frames.AddRange(ReceiveAll(b).Select(f => f.Bytes));
        Assert.Equal(0, faulty.Pending);

        var run = new Run(frames, faulty.TransmitFaults, faulty.Stats, b.Stats, heldAtEnd);
        faulty.Dispose();
        b.Dispose();
        Assert.Equal(0, a.Pool.InUse);
        Assert.Equal(0, b.Pool.InUse);
        return run;
    }

    private static Packet[] Numbered(FramePool pool, int first, int count)
    {
        var packets = new Packet[count];
        for (int i = 0; i < count; i++) packets[i] = TestFrames.Allocate(pool, first + i, Length);
        return packets;
    }

    private static List<(int Sequence, byte[] Bytes)> ReceiveAll(MemoryPort port)
    {
        var frames = new List<(int, byte[])>();
        var received = new Packet[64];
        int n;
        while ((n = port.Receive(received)) > 0)
        {
            foreach (Packet packet in received.AsSpan(0, n))
                frames.Add((TestFrames.SequenceOf(port.Pool, packet), port.Pool.Region.GetSpan(packet).ToArray()));
            port.Pool.Free(received.AsSpan(0, n));
        }
        return frames;
    }

    private static void AssertAllIntact(Run result)
    {
        for (int i = 0; i < result.Frames.Count; i++) Assert.Equal(TestFrames.Expected(result.Sequences[i], Length), result.Frames[i]);
    }

    private static void AssertStrictlyIncreasing(List<int> sequences)
    {
        for (int i = 1; i < sequences.Count; i++) Assert.True(sequences[i] > sequences[i - 1], $"frame {sequences[i]} after {sequences[i - 1]}");
    }

    /// <summary>For each received frame, how many frames sent after it arrived before it.</summary>
    private static int[] OvertakenCounts(List<int> sequences)
    {
        var counts = new int[sequences.Count];
        for (int i = 0; i < sequences.Count; i++)
        {
            for (int j = 0; j < i; j++)
            {
                if (sequences[j] > sequences[i]) counts[i]++;
            }
        }
        return counts;
    }
}
