using FastPath.Engine.Tcp;
using FastPath.Wire.Tcp;
using FsCheck;
using FsCheck.Fluent;

namespace FastPath.Engine.Tests.Tcp;

public class TcpReceiveBufferTests
{
    /// <summary>The byte at stream position p, so any misplaced byte shows.</summary>
    private static byte At(long position) => (byte)(position * 7 + 3);

    private static byte[] Stream(long start, int length) => Enumerable.Range(0, length).Select(i => At(start + i)).ToArray();

    private static byte[] ReadAll(TcpReceiveBuffer buffer)
    {
        var destination = new byte[buffer.Capacity];
        int read = buffer.Read(destination);
        return destination[..read];
    }

    private static TcpSackBlock[] Sacks(TcpReceiveBuffer buffer, uint rcvNxt, int max = 4)
    {
        var blocks = new TcpSackBlock[max];
        return blocks[..buffer.GetSackBlocks(rcvNxt, blocks)];
    }

    [Fact]
    public void In_order_bytes_read_back_across_the_ring_wrap()
    {
        var buffer = new TcpReceiveBuffer(100, 4);
        long position = 0;
        for (int round = 0; round < 10; round++) // 10 x 70 bytes through a 100-byte ring: wraps several times
        {
            Assert.True(buffer.Write(0, Stream(position, 70), out int advanced));
            Assert.Equal(70, advanced);
            Assert.Equal(70, buffer.Available);
            Assert.Equal(30, buffer.Window);
            Assert.Equal(Stream(position, 70), ReadAll(buffer));
            position += 70;
            Assert.Equal(100, buffer.Window);
        }
    }

    [Fact]
    public void Partial_reads_leave_the_rest_in_order()
    {
        var buffer = new TcpReceiveBuffer(64, 4);
        buffer.Write(0, Stream(0, 50), out _);
        var part = new byte[20];
        Assert.Equal(20, buffer.Read(part));
        Assert.Equal(Stream(0, 20), part);
        buffer.Write(0, Stream(50, 30), out int advanced); // lands across the end of the ring
        Assert.Equal(30, advanced);
        Assert.Equal(Stream(20, 60), ReadAll(buffer));
        Assert.Equal(0, buffer.Read(part));
    }

    [Fact]
    public void Out_of_order_segments_become_in_order_when_the_hole_fills()
    {
        var buffer = new TcpReceiveBuffer(1000, 8);
        Assert.True(buffer.Write(100, Stream(100, 100), out int advanced)); // segment 2
        Assert.Equal(0, advanced);
        Assert.True(buffer.Write(300, Stream(300, 100), out advanced));     // segment 4
        Assert.Equal(0, advanced);
        Assert.Equal(0, buffer.Available);
        Assert.Equal(2, buffer.OutOfOrderRangeCount);
        Assert.Equal(200, buffer.OutOfOrderBytes);

        Assert.True(buffer.Write(0, Stream(0, 100), out advanced));         // segment 1 joins segment 2
        Assert.Equal(200, advanced);
        Assert.Equal(1, buffer.OutOfOrderRangeCount);
        Assert.Equal(100, buffer.OutOfOrderBytes);

        Assert.True(buffer.Write(0, Stream(200, 100), out advanced));       // segment 3 joins segment 4
        Assert.Equal(200, advanced);
        Assert.Equal(0, buffer.OutOfOrderRangeCount);
        Assert.Equal(0, buffer.OutOfOrderBytes);
        Assert.Equal(Stream(0, 400), ReadAll(buffer));
    }

    [Fact]
    public void Overlapping_and_duplicate_writes_merge_into_one_range()
    {
        var buffer = new TcpReceiveBuffer(1000, 8);
        buffer.Write(10, Stream(10, 10), out _);
        buffer.Write(15, Stream(15, 10), out _);  // overlaps the end
        buffer.Write(5, Stream(5, 5), out _);     // touches the start
        buffer.Write(10, Stream(10, 10), out _);  // duplicate
        Assert.Equal(1, buffer.OutOfOrderRangeCount);
        Assert.Equal(20, buffer.OutOfOrderBytes);
        Assert.Equal([new TcpSackBlock(1005, 1025)], Sacks(buffer, 1000));

        buffer.Write(40, Stream(40, 10), out _);
        buffer.Write(60, Stream(60, 10), out _);
        Assert.Equal(3, buffer.OutOfOrderRangeCount);
        buffer.Write(20, Stream(20, 45), out _);  // bridges all three
        Assert.Equal(1, buffer.OutOfOrderRangeCount);
        Assert.Equal(65, buffer.OutOfOrderBytes);

        Assert.True(buffer.Write(0, Stream(0, 12), out int advanced)); // in order, overlapping the range
        Assert.Equal(70, advanced);
        Assert.Equal(0, buffer.OutOfOrderBytes);
        Assert.Equal(Stream(0, 70), ReadAll(buffer));

        Assert.True(buffer.Write(0, Stream(70, 5), out advanced));
        Assert.Equal(5, advanced);
    }

    [Fact]
    public void A_full_range_set_rejects_a_new_range_but_still_grows_existing_ones()
    {
        var buffer = new TcpReceiveBuffer(1000, 2);
        Assert.True(buffer.Write(10, Stream(10, 5), out _));
        Assert.True(buffer.Write(30, Stream(30, 5), out _));
        Assert.False(buffer.Write(50, Stream(50, 5), out int advanced)); // would be a third range
        Assert.Equal(0, advanced);
        Assert.Equal(2, buffer.OutOfOrderRangeCount);
        Assert.Equal(10, buffer.OutOfOrderBytes);
        Assert.False(buffer.Write(20, Stream(20, 5), out _));            // between the two, touching neither

        Assert.True(buffer.Write(15, Stream(15, 5), out _));             // touches the first
        Assert.True(buffer.Write(25, Stream(25, 5), out _));             // touches the second
        Assert.Equal(2, buffer.OutOfOrderRangeCount);
        Assert.True(buffer.Write(20, Stream(20, 5), out _));             // joins them
        Assert.Equal(1, buffer.OutOfOrderRangeCount);
        Assert.Equal(25, buffer.OutOfOrderBytes);
        Assert.True(buffer.Write(0, Stream(0, 10), out advanced));       // in order: always accepted
        Assert.Equal(35, advanced);
        Assert.Equal(Stream(0, 35), ReadAll(buffer));
    }

    [Fact]
    public void Without_an_out_of_order_queue_only_in_order_data_is_kept()
    {
        var buffer = new TcpReceiveBuffer(100, 0);
        Assert.False(buffer.Write(1, Stream(1, 5), out _));
        Assert.True(buffer.Write(0, Stream(0, 5), out int advanced));
        Assert.Equal(5, advanced);
    }

    [Fact]
    public void Data_past_the_window_is_trimmed_as_unread_data_shrinks_it()
    {
        var buffer = new TcpReceiveBuffer(100, 4);
        buffer.Write(0, Stream(0, 60), out _);          // unread: window 40
        Assert.Equal(40, buffer.Window);
        Assert.True(buffer.Write(30, Stream(90, 20), out int advanced)); // only 10 fit
        Assert.Equal(0, advanced);
        Assert.Equal(10, buffer.OutOfOrderBytes);
        Assert.True(buffer.Write(40, Stream(100, 10), out advanced));   // wholly outside: nothing kept, not an error
        Assert.Equal(0, advanced);
        Assert.Equal(1, buffer.OutOfOrderRangeCount);

        Assert.True(buffer.Write(0, Stream(60, 50), out advanced));     // fills to the window's edge only
        Assert.Equal(40, advanced);
        Assert.Equal(0, buffer.Window);
        Assert.Equal(0, buffer.OutOfOrderRangeCount);
        Assert.True(buffer.Write(0, Stream(100, 1), out advanced));     // zero window
        Assert.Equal(0, advanced);
        Assert.Equal(Stream(0, 100), ReadAll(buffer));
        Assert.Equal(100, buffer.Window);
    }

    [Fact]
    public void Sack_blocks_list_the_most_recently_written_range_first_in_sequence_numbers()
    {
        const uint rcvNxt = 0xFFFF_FF00u; // the blocks cross 2^32
        var buffer = new TcpReceiveBuffer(4096, 8);
        buffer.Write(100, Stream(100, 100), out _); // A
        buffer.Write(300, Stream(300, 100), out _); // B
        buffer.Write(500, Stream(500, 100), out _); // C
        TcpSackBlock a = new(rcvNxt + 100, rcvNxt + 200), b = new(0x0000_002Cu, 0x0000_0090u), c = new(0x0000_00F4u, 0x0000_0158u);
        Assert.Equal([c, b, a], Sacks(buffer, rcvNxt));
        Assert.Equal([c, b], Sacks(buffer, rcvNxt, max: 2));

        buffer.Write(200, Stream(200, 10), out _);  // grows A: now the most recent
        TcpSackBlock grownA = new(rcvNxt + 100, rcvNxt + 210);
        Assert.Equal([grownA, c, b], Sacks(buffer, rcvNxt));

        buffer.Write(0, Stream(0, 100), out int advanced); // A becomes in order: its block goes
        Assert.Equal(210, advanced);
        Assert.Equal([c, b], Sacks(buffer, rcvNxt + 210));
        buffer.Clear();
        Assert.Empty(Sacks(buffer, 0));
        Assert.Equal(0, buffer.Available);
        Assert.Equal(4096, buffer.Window);
    }

    /// <summary>
    /// Random segments (in order, out of order, overlapping, past the window, duplicates) and random reads
    /// against a model that remembers which stream positions arrived: the bytes read, the window, the
    /// ranges and their SACK blocks, and every rejection must match.
    /// </summary>
    [Fact]
    public void Behaves_like_a_set_of_received_positions() =>
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(200), Prop.ForAll<int>(seed =>
        {
            var random = new Random(seed);
            int capacity = random.Next(1, 300);
            int maxRanges = random.Next(0, 6);
            var buffer = new TcpReceiveBuffer(capacity, maxRanges);
            var received = new HashSet<long>(); // out-of-order positions held
            long next = 0, read = 0;            // RCV.NXT and the application's read position
            uint isn = (uint)random.Next() * 2u;
            for (int step = 0; step < 400; step++)
            {
                if (random.Next(4) == 0)
                {
                    var destination = new byte[random.Next(0, 120)];
                    int count = buffer.Read(destination);
                    Assert.Equal(Math.Min(destination.Length, next - read), count);
                    Assert.Equal(Stream(read, count), destination[..count]);
                    read += count;
                }
                else
                {
                    int offset = random.Next(3) == 0 ? 0 : random.Next(0, capacity + 20);
                    int length = random.Next(0, 60);
                    long window = capacity - (next - read);
                    long start = next + offset, end = Math.Min(next + offset + length, next + window);
                    bool needsNewRange = offset > 0 && start < end
                        && !Enumerable.Range(0, (int)(end - start) + 2).Any(i => received.Contains(start - 1 + i));
                    List<(long Start, long End)> before = Ranges(received);
                    bool rejected = needsNewRange && before.Count == maxRanges;

                    Assert.Equal(!rejected, buffer.Write(offset, Stream(start, length), out int advanced));
                    if (!rejected)
                    {
                        for (long p = start; p < end; p++) if (p >= next) received.Add(p);
                        long newNext = next;
                        while (received.Remove(newNext)) newNext++;
                        Assert.Equal(newNext - next, advanced);
                        next = newNext;
                    }
                    else
                    {
                        Assert.Equal(0, advanced);
                    }

                    List<(long Start, long End)> ranges = Ranges(received);
                    Assert.Equal(ranges.Count, buffer.OutOfOrderRangeCount);
                    Assert.Equal(received.Count, buffer.OutOfOrderBytes);
                    TcpSackBlock[] blocks = Sacks(buffer, unchecked(isn + (uint)next), 32);
                    var expected = ranges.Select(r => new TcpSackBlock(unchecked(isn + (uint)r.Start), unchecked(isn + (uint)r.End)));
                    Assert.Equal(expected.ToHashSet(), blocks.ToHashSet());
                    if (!rejected && offset > 0 && start < end)
                    {
                        // RFC 2018 section 4: the block holding this segment comes first.
                        Assert.True(TcpSequence.InRange(unchecked(isn + (uint)start), blocks[0].Left, blocks[0].Right));
                    }
                }
                Assert.Equal(next - read, buffer.Available);
                Assert.Equal(capacity - (next - read), buffer.Window);
            }
        }));

    private static List<(long Start, long End)> Ranges(HashSet<long> positions)
    {
        var ranges = new List<(long Start, long End)>();
        foreach (long p in positions.Order())
        {
            if (ranges.Count > 0 && ranges[^1].End == p) ranges[^1] = (ranges[^1].Start, p + 1);
            else ranges.Add((p, p + 1));
        }
        return ranges;
    }

    [Fact]
    public void Writes_reads_and_sack_blocks_allocate_nothing()
    {
        var buffer = new TcpReceiveBuffer(64 * 1024, 32);
        byte[] segment = Stream(0, 1448);
        var destination = new byte[4096];
        var blocks = new TcpSackBlock[4];
        void Work()
        {
            for (int i = 0; i < 1000; i++)
            {
                buffer.Write(1448, segment, out _);          // out of order first
                buffer.Write(3 * 1448, segment, out _);
                buffer.GetSackBlocks(1, blocks);
                buffer.Write(0, segment, out _);             // fills the first hole
                buffer.Write(0, segment, out _);
                while (buffer.Read(destination) > 0) { }
            }
        }
        Work();
        long before = GC.GetAllocatedBytesForCurrentThread();
        Work();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
