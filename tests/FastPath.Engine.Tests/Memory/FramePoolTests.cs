using FastPath.Engine.Memory;

namespace FastPath.Engine.Tests.Memory;

public sealed class FramePoolTests : IDisposable
{
    private readonly FrameRegion _region = FrameRegion.Create(32, 2048);

    public void Dispose() => _region.Dispose();

    [Fact]
    public void Hands_out_every_frame_once_then_nothing()
    {
        var pool = new FramePool(_region);
        var seen = new HashSet<uint>();

        for (int i = 0; i < 32; i++)
        {
            Assert.True(pool.TryAllocate(out var packet));
            Assert.True(seen.Add(packet.Frame), $"frame {packet.Frame} handed out twice");
            Assert.True(packet.Frame < 32);
        }

        Assert.False(pool.TryAllocate(out _));
        Assert.Equal(32, pool.InUse);
        Assert.Equal(0, pool.Available);
    }

    [Fact]
    public void Fresh_packets_are_empty_with_the_headroom_in_front()
    {
        var pool = new FramePool(_region);

        Assert.True(pool.TryAllocate(out var packet));

        Assert.Equal(FramePool.DefaultHeadroom, packet.Offset);
        Assert.Equal(FramePool.DefaultHeadroom, packet.Headroom);
        Assert.Equal(0, packet.Length);
        Assert.Equal(2048 - FramePool.DefaultHeadroom, _region.GetWritableSpan(packet).Length);
        Assert.True(packet.TryPrepend(FramePool.DefaultHeadroom));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(256)]
    [InlineData(2047)]
    public void Headroom_is_honoured_by_every_allocation_path(int headroom)
    {
        var pool = new FramePool(_region, headroom);
        var burst = new Packet[10];
        var bulk = new Packet[10];

        Assert.True(pool.TryAllocate(out var single));
        Assert.Equal(10, pool.AllocateBurst(burst));
        Assert.True(pool.TryAllocateBulk(bulk));

        Assert.All(burst.Concat(bulk).Append(single), p => Assert.Equal(headroom, p.Offset));
        Assert.All(burst.Concat(bulk).Append(single), p => Assert.Equal(0, p.Length));
    }

    [Fact]
    public void Bulk_allocation_is_all_or_nothing()
    {
        var pool = new FramePool(_region, 0, 8);
        Assert.True(pool.TryAllocateBulk(new Packet[5]));

        var four = new Packet[4];
        Assert.False(pool.TryAllocateBulk(four));
        Assert.Equal(3, pool.Available);
        Assert.All(four, p => Assert.Equal(default, p));   // nothing written either

        Assert.True(pool.TryAllocateBulk(new Packet[3]));
        Assert.Equal(0, pool.Available);
    }

    [Fact]
    public void Burst_allocation_fills_what_it_can()
    {
        var pool = new FramePool(_region, 0, 8);
        var packets = new Packet[12];

        Assert.Equal(8, pool.AllocateBurst(packets));

        Assert.Equal(8, packets[..8].Select(p => p.Frame).Distinct().Count());
        Assert.All(packets[8..], p => Assert.Equal(default, p));
        Assert.Equal(0, pool.AllocateBurst(packets));
        Assert.Equal(8, pool.InUse);
    }

    [Fact]
    public void A_fresh_pool_hands_out_frames_in_address_order()
    {
        var pool = new FramePool(_region, 4, 8);
        var packets = new Packet[8];

        pool.AllocateBurst(packets);

        Assert.Equal(Enumerable.Range(4, 8).Select(i => (uint)i), packets.Select(p => p.Frame));
    }

    [Fact]
    public void Frames_freed_back_are_all_handed_out_again()
    {
        var pool = new FramePool(_region);
        var first = new Packet[32];
        Assert.True(pool.TryAllocateBulk(first));

        pool.Free(first.AsSpan(0, 16));
        foreach (var packet in first.AsSpan(16)) pool.Free(packet);
        Assert.Equal(0, pool.InUse);
        Assert.Equal(32, pool.Available);

        var second = new Packet[32];
        Assert.True(pool.TryAllocateBulk(second));
        Assert.Equal(first.Select(p => p.Frame).Order(), second.Select(p => p.Frame).Order());
    }

    [Fact]
    public void Random_churn_never_hands_out_a_frame_twice_and_ends_with_every_frame_back()
    {
        var pool = new FramePool(_region, 8, 16);
        var held = new List<Packet>();
        var random = new Random(42);
        var buffer = new Packet[20];

        for (int step = 0; step < 10_000; step++)
        {
            int n = random.Next(buffer.Length + 1);
            switch (random.Next(4))
            {
                case 0:
                    int got = pool.AllocateBurst(buffer.AsSpan(0, n));
                    Assert.Equal(Math.Min(n, 16 - held.Count), got);
                    held.AddRange(buffer.AsSpan(0, got));
                    break;
                case 1:
                    bool ok = pool.TryAllocateBulk(buffer.AsSpan(0, n));
                    Assert.Equal(n <= 16 - held.Count, ok);
                    if (ok) held.AddRange(buffer.AsSpan(0, n));
                    break;
                case 2:
                    int back = Math.Min(n, held.Count);
                    pool.Free(held.GetRange(held.Count - back, back).ToArray());
                    held.RemoveRange(held.Count - back, back);
                    break;
                default:
                    if (held.Count == 0) break;
                    int at = random.Next(held.Count);
                    pool.FreeFrame(held[at].Frame);
                    held.RemoveAt(at);
                    break;
            }
            Assert.Equal(held.Count, held.Select(p => p.Frame).Distinct().Count());
            Assert.All(held, p => Assert.InRange(p.Frame, 8u, 23u));
            Assert.Equal(held.Count, pool.InUse);
        }

        pool.Free(held.ToArray());
        Assert.Equal(0, pool.InUse);
        Assert.Equal(16, pool.Available);
    }

    [Fact]
    public void Double_free_is_detected_even_when_the_pool_is_not_full()
    {
        var pool = new FramePool(_region, 0, 8);
        Assert.True(pool.TryAllocate(out var a));
        Assert.True(pool.TryAllocate(out _));
        pool.Free(a);

        Assert.Throws<InvalidOperationException>(() => pool.Free(a));
        Assert.Throws<InvalidOperationException>(() => pool.FreeFrame(a.Frame));
        Assert.Throws<InvalidOperationException>(() => pool.Free([a]));
        Assert.Equal(1, pool.InUse);
    }

    [Fact]
    public void A_frame_repeated_in_one_span_is_detected_and_nothing_is_freed()
    {
        var pool = new FramePool(_region, 0, 8);
        var packets = new Packet[3];
        Assert.True(pool.TryAllocateBulk(packets));

        Assert.Throws<InvalidOperationException>(() => pool.Free([packets[0], packets[1], packets[0]]));

        Assert.Equal(3, pool.InUse);
        pool.Free(packets);   // each frame is still freeable exactly once
        Assert.Equal(0, pool.InUse);
    }

    [Fact]
    public void Freeing_into_a_full_pool_is_detected()
    {
        var pool = new FramePool(_region, 0, 8);

        Assert.Throws<InvalidOperationException>(() => pool.FreeFrame(0));
        Assert.Throws<InvalidOperationException>(() => pool.Free([new Packet(0, 0, 0)]));
        Assert.Equal(0, pool.InUse);
    }

    [Fact]
    public void Foreign_frames_are_refused_and_nothing_is_freed()
    {
        var pool = new FramePool(_region, 8, 8);
        var packets = new Packet[3];
        Assert.True(pool.TryAllocateBulk(packets));

        Assert.Throws<InvalidOperationException>(() => pool.FreeFrame(7));
        Assert.Throws<InvalidOperationException>(() => pool.FreeFrame(16));
        Assert.Throws<InvalidOperationException>(() => pool.Free(new Packet(uint.MaxValue, 0, 0)));
        Assert.Throws<InvalidOperationException>(() => pool.Free([packets[0], new Packet(3, 0, 0), packets[1]]));

        Assert.Equal(3, pool.InUse);
        pool.Free(packets);
        Assert.Equal(0, pool.InUse);
    }

    [Fact]
    public void Pools_over_sub_ranges_of_one_region_do_not_overlap()
    {
        var low = new FramePool(_region, 0, 16);
        var high = new FramePool(_region, 16, 16);
        var fromLow = new Packet[16];
        var fromHigh = new Packet[16];

        Assert.True(low.TryAllocateBulk(fromLow));
        Assert.True(high.TryAllocateBulk(fromHigh));

        Assert.All(fromLow, p => Assert.True(low.Owns(p.Frame) && !high.Owns(p.Frame)));
        Assert.All(fromHigh, p => Assert.True(high.Owns(p.Frame) && !low.Owns(p.Frame)));
        Assert.Equal(32, fromLow.Concat(fromHigh).Select(p => p.Frame).Distinct().Count());
        Assert.Throws<InvalidOperationException>(() => high.Free(fromLow[0]));

        low.Free(fromLow);
        high.Free(fromHigh);
        Assert.Equal(0, low.InUse + high.InUse);
    }

    [Theory]
    [InlineData(-1, 4)]
    [InlineData(0, 0)]
    [InlineData(0, -1)]
    [InlineData(0, 33)]
    [InlineData(30, 3)]
    [InlineData(32, 1)]
    [InlineData(int.MaxValue, 1)]   // firstFrame + frameCount overflows int
    [InlineData(1, int.MaxValue)]
    public void Ranges_outside_the_region_are_refused(int firstFrame, int frameCount) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new FramePool(_region, firstFrame, frameCount));

    [Theory]
    [InlineData(-1)]
    [InlineData(2048)]
    public void Headroom_must_leave_room_in_the_frame(int headroom) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new FramePool(_region, headroom));
}
