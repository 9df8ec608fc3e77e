using FastPath.Engine.Memory;

namespace FastPath.Engine.Tests.Memory;

public sealed class FrameRegionTests
{
    [Theory]
    [InlineData(2048, 11)]
    [InlineData(4096, 12)]
    public void Maps_page_aligned_frames(int frameSize, int shift)
    {
        using var region = FrameRegion.Create(16, frameSize);

        Assert.Equal(0, region.BaseAddress % Environment.SystemPageSize);
        Assert.Equal(16, region.FrameCount);
        Assert.Equal(frameSize, region.FrameSize);
        Assert.Equal(shift, region.FrameShift);
        Assert.Equal(16L * frameSize, region.Length);
        Assert.False(region.IsDisposed);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1024)]
    [InlineData(3000)]
    [InlineData(8192)]
    [InlineData(-2048)]
    public void Other_frame_sizes_are_refused(int frameSize) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => FrameRegion.Create(4, frameSize));

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(int.MaxValue)]   // 4 TiB of 2048-byte frames: over the 4 GiB limit
    public void Frame_count_must_be_positive_and_small_enough(int frameCount) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => FrameRegion.Create(frameCount));

    [Fact]
    public unsafe void Frames_are_zeroed_contiguous_and_disjoint()
    {
        using var region = FrameRegion.Create(8, 2048);

        for (uint f = 0; f < 8; f++)
        {
            var frame = region.GetFrame(f);
            Assert.Equal(2048, frame.Length);
            Assert.True(frame.IndexOfAnyExcept((byte)0) < 0, $"frame {f} not zeroed");
            fixed (byte* p = frame) Assert.Equal(region.BaseAddress + (nint)f * 2048, (nint)p);
            frame.Fill((byte)(f + 1));
        }
        for (uint f = 0; f < 8; f++)
            Assert.True(region.GetFrame(f).IndexOfAnyExcept((byte)(f + 1)) < 0, $"frame {f} overwritten by a neighbour");
    }

    [Fact]
    public void GetFrame_refuses_indices_outside_the_region()
    {
        using var region = FrameRegion.Create(4);

        Assert.Throws<ArgumentOutOfRangeException>(() => region.GetFrame(4));
        Assert.Throws<ArgumentOutOfRangeException>(() => region.GetFrame(uint.MaxValue));
    }

    [Fact]
    public unsafe void GetSpan_covers_exactly_the_packet_bytes()
    {
        using var region = FrameRegion.Create(4, 2048);
        var packet = new Packet(2, 128, 60);

        var span = region.GetSpan(packet);

        Assert.Equal(60, span.Length);
        fixed (byte* p = span) Assert.Equal(region.BaseAddress + 2 * 2048 + 128, (nint)p);
        span.Fill(0xAB);
        Assert.Equal(0xAB, region.GetFrame(2)[128]);
        Assert.Equal(0xAB, region.GetFrame(2)[187]);
        Assert.Equal(0, region.GetFrame(2)[127]);
        Assert.Equal(0, region.GetFrame(2)[188]);
    }

    [Theory]
    [InlineData(3u, 0, 2048, true)]      // the whole last frame
    [InlineData(3u, 2048, 0, true)]      // empty, at the very end
    [InlineData(3u, 2000, 49, false)]    // one byte past the end of the frame
    [InlineData(3u, 0, 2049, false)]
    [InlineData(4u, 0, 1, false)]        // no such frame
    [InlineData(uint.MaxValue, 0, 1, false)]
    public void GetSpan_checks_the_packet_lies_in_its_frame(uint frame, int offset, int length, bool valid)
    {
        using var region = FrameRegion.Create(4, 2048);
        var packet = new Packet(frame, (ushort)offset, (ushort)length);

        if (valid) Assert.Equal(length, region.GetSpan(packet).Length);
        else Assert.Throws<ArgumentOutOfRangeException>(() => region.GetSpan(packet));
    }

    [Fact]
    public void GetWritableSpan_runs_from_the_data_to_the_end_of_the_frame()
    {
        using var region = FrameRegion.Create(4, 4096);

        Assert.Equal(4096 - 128, region.GetWritableSpan(new Packet(1, 128, 0)).Length);
        Assert.Empty(region.GetWritableSpan(new Packet(1, 4096, 0)).ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => region.GetWritableSpan(new Packet(1, 4097, 0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => region.GetWritableSpan(new Packet(4, 0, 0)));
    }

    [Theory]
    [InlineData(2048)]
    [InlineData(4096)]
    public void Umem_addresses_round_trip(int frameSize)
    {
        using var region = FrameRegion.Create(64, frameSize);
        var random = new Random(frameSize);

        for (int i = 0; i < 1000; i++)
        {
            uint frame = (uint)random.Next(64);
            ushort offset = (ushort)random.Next(frameSize);
            ushort length = (ushort)random.Next(frameSize - offset + 1);
            var packet = new Packet(frame, offset, length);

            ulong address = region.ToAddress(packet);

            Assert.Equal((ulong)frame * (ulong)frameSize + offset, address);
            Assert.Equal(packet, region.FromAddress(address, length));
        }
    }

    [Fact]
    public void Dispose_unmaps_once_and_is_idempotent()
    {
        var region = FrameRegion.Create(4);

        region.Dispose();
        Assert.True(region.IsDisposed);
        Assert.Equal(0, region.BaseAddress);
        region.Dispose();
        Assert.True(region.IsDisposed);
    }
}
