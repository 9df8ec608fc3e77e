using FastPath.Engine.Tcp;
using FastPath.Wire.Tcp;
using FsCheck;
using FsCheck.Fluent;

namespace FastPath.Engine.Tests.Tcp;

public class SackScoreboardTests
{
    private const int Mss = 100;

    private static TcpSackBlock Block(uint una, int from, int to) => new(unchecked(una + (uint)from), unchecked(una + (uint)to));

    [Theory]
    [InlineData(1000u)]
    [InlineData(0xFFFF_FF00u)] // the scoreboard spans 2^32
    public void Holes_between_sacked_ranges_are_found_in_order_a_segment_at_a_time(uint una)
    {
        var board = new SackScoreboard();
        uint sndNxt = unchecked(una + 1000);
        // Sent 0..1000; segments 1-2, 4 and 6 (of 100 bytes) SACKed, most recent first as a receiver sends them.
        board.Update(una, [Block(una, 600, 700), Block(una, 400, 500), Block(una, 100, 300)]);
        Assert.True(board.HasSacks);
        Assert.Equal(3, board.RangeCount);
        Assert.Equal(400, board.SackedBytes);
        Assert.Equal(unchecked(una + 700), board.HighestSacked);

        Assert.True(board.IsSacked(unchecked(una + 100)));
        Assert.True(board.IsSacked(unchecked(una + 299)));
        Assert.False(board.IsSacked(unchecked(una + 300)));
        Assert.False(board.IsSacked(una));
        Assert.False(board.IsSacked(unchecked(una + 700)));

        var holes = new List<(int Offset, int Length)>();
        uint from = una;
        while (board.TryNextHole(from, sndNxt, 150, out uint start, out int length))
        {
            holes.Add(((int)(start - una), length));
            from = unchecked(start + (uint)length);
        }
        Assert.Equal([(0, 100), (300, 100), (500, 100)], holes); // nothing above the highest SACK

        Assert.True(board.TryNextHole(unchecked(una + 320), sndNxt, 50, out uint middle, out int middleLength));
        Assert.Equal(unchecked(una + 320), middle);
        Assert.Equal(50, middleLength);
        Assert.True(board.TryNextHole(unchecked(una + 150), sndNxt, 1000, out uint skipped, out _)); // from inside a range
        Assert.Equal(unchecked(una + 300), skipped);
        Assert.False(board.TryNextHole(unchecked(una + 500), unchecked(una + 500), Mss, out _, out _)); // SND.NXT caps it
    }

    [Fact]
    public void IsLost_needs_three_segments_or_three_ranges_sacked_above()
    {
        const uint una = 5000;
        var board = new SackScoreboard();
        board.Update(una, [Block(una, 100, 300)]); // two segments above 0..99
        Assert.False(board.IsLost(una, Mss));       // RFC 6675: more than (3 - 1) * MSS bytes needed
        board.Update(una, [Block(una, 300, 301)]);
        Assert.True(board.IsLost(una, Mss));        // 201 bytes > 200
        Assert.True(board.IsLost(una + 99, Mss));
        Assert.False(board.IsLost(una + 100, Mss)); // SACKed bytes are not lost
        Assert.False(board.IsLost(una + 300, Mss));
        Assert.False(board.IsLost(una + 301, Mss)); // nothing above it

        var ranges = new SackScoreboard();          // three discontiguous one-byte ranges are enough too
        ranges.Update(una, [Block(una, 10, 11), Block(una, 20, 21), Block(una, 30, 31)]);
        Assert.True(ranges.IsLost(una, Mss));
        Assert.True(ranges.IsLost(una + 9, Mss));
        Assert.False(ranges.IsLost(una + 11, Mss));
    }

    [Fact]
    public void The_cumulative_ack_removes_and_trims_ranges()
    {
        const uint una = 0xFFFF_FFF0u;
        var board = new SackScoreboard();
        board.Update(una, [Block(una, 10, 20), Block(una, 30, 50)]);
        board.AdvanceTo(unchecked(una + 40)); // past the first range and into the second
        Assert.Equal(1, board.RangeCount);
        Assert.Equal(10, board.SackedBytes);
        Assert.False(board.IsSacked(unchecked(una + 35)));
        Assert.True(board.IsSacked(unchecked(una + 40)));
        board.AdvanceTo(una);                 // an older ACK changes nothing
        Assert.Equal(10, board.SackedBytes);
        board.Update(unchecked(una + 50), []);
        Assert.False(board.HasSacks);
        Assert.Equal(0, board.SackedBytes);
        Assert.Equal(unchecked(una + 50), board.HighestSacked);
    }

    [Fact]
    public void Dsack_old_and_malformed_blocks_are_ignored_and_overlaps_merge()
    {
        const uint una = 1000;
        var board = new SackScoreboard();
        board.Update(una, [
            new TcpSackBlock(900, 1000),          // D-SACK below SND.UNA (RFC 2883)
            new TcpSackBlock(1200, 1100),         // reversed
            new TcpSackBlock(1300, 1300),         // empty
            new TcpSackBlock(1400, 1400 + (1u << 31)), // absurd length
            new TcpSackBlock(900, 1050),          // partly acknowledged: the rest counts
        ]);
        Assert.Equal(1, board.RangeCount);
        Assert.Equal(50, board.SackedBytes);
        Assert.True(board.IsSacked(1000));

        board.Update(una, [Block(una, 100, 200), Block(una, 150, 250), Block(una, 250, 260), Block(una, 120, 130)]);
        Assert.Equal(2, board.RangeCount);
        Assert.Equal(50 + 160, board.SackedBytes);
        board.Update(una, [Block(una, 40, 110)]); // bridges both
        Assert.Equal(1, board.RangeCount);
        Assert.Equal(260, board.SackedBytes);
        board.Clear();
        Assert.False(board.HasSacks);
        Assert.Equal(0, board.SackedBytes);
    }

    [Fact]
    public void At_most_32_ranges_are_kept_and_the_highest_gives_way()
    {
        const uint una = 0;
        var board = new SackScoreboard();
        for (int i = 0; i < 40; i++) board.Update(una, [Block(una, 100 + 20 * i, 110 + 20 * i)]); // 40 ranges offered
        Assert.Equal(SackScoreboard.MaxRanges, board.RangeCount);
        Assert.Equal(320, board.SackedBytes);
        Assert.Equal(100 + 20 * 31 + 10u, board.HighestSacked); // the eight highest were not kept

        board.Update(una, [Block(una, 10, 20)]); // a new lowest range: the highest is dropped for it
        Assert.Equal(SackScoreboard.MaxRanges, board.RangeCount);
        Assert.True(board.IsSacked(10));
        Assert.Equal(100 + 20 * 30 + 10u, board.HighestSacked);
        Assert.Equal(320, board.SackedBytes);

        board.Update(una, [Block(una, 110, 120)]); // joins two ranges: room again
        Assert.Equal(SackScoreboard.MaxRanges - 1, board.RangeCount);
    }

    /// <summary>Random SACKs and cumulative ACKs against a bitmap of SACKed bytes (the scoreboard never claims more).</summary>
    [Fact]
    public void Never_claims_a_byte_that_was_not_sacked_and_agrees_with_a_bitmap_while_small() =>
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(100), Prop.ForAll<int>(seed =>
        {
            var random = new Random(seed);
            uint isn = (uint)random.Next() * 3u;
            const int Sent = 600;
            var sacked = new bool[Sent];
            var board = new SackScoreboard();
            int una = 0;
            bool everFull = false;
            for (int step = 0; step < 100; step++)
            {
                if (random.Next(5) == 0)
                {
                    una = Math.Min(Sent, una + random.Next(0, 80));
                    board.AdvanceTo(isn + (uint)una);
                }
                else
                {
                    var blocks = new TcpSackBlock[random.Next(1, 4)];
                    for (int b = 0; b < blocks.Length; b++)
                    {
                        int left = random.Next(Math.Max(0, una - 30), Sent);
                        int right = Math.Min(Sent, left + random.Next(1, 40));
                        blocks[b] = new TcpSackBlock(isn + (uint)left, isn + (uint)right);
                        for (int i = Math.Max(left, una); i < right; i++) sacked[i] = true;
                    }
                    board.Update(isn + (uint)una, blocks);
                }
                for (int i = 0; i < una; i++) sacked[i] = false;

                everFull |= board.RangeCount == SackScoreboard.MaxRanges;
                bool exact = !everFull; // until the bound is reached nothing can have been dropped
                int count = 0;
                for (int i = 0; i < Sent; i++)
                {
                    bool isSacked = board.IsSacked(isn + (uint)i);
                    if (isSacked) Assert.True(sacked[i], $"byte {i} claimed");
                    if (exact) Assert.Equal(sacked[i], isSacked);
                    if (isSacked) count++;
                }
                Assert.Equal(count, board.SackedBytes);
                if (exact)
                {
                    int highest = Array.LastIndexOf(sacked, true) + 1;
                    Assert.Equal(isn + (uint)(highest == 0 ? una : highest), board.HighestSacked);
                    // Every hole below the highest SACK, segment by segment, and nothing else.
                    uint from = isn + (uint)una;
                    var holeBytes = new bool[Sent];
                    while (board.TryNextHole(from, isn + Sent, 25, out uint start, out int length))
                    {
                        Assert.InRange(length, 1, 25);
                        for (int i = 0; i < length; i++) holeBytes[start - isn + i] = true;
                        from = start + (uint)length;
                    }
                    for (int i = una; i < highest; i++) Assert.Equal(!sacked[i], holeBytes[i]);
                    for (int i = highest; i < Sent; i++) Assert.False(holeBytes[i]);
                }
            }
        }));

    [Fact]
    public void Updates_and_queries_allocate_nothing()
    {
        var board = new SackScoreboard();
        var blocks = new TcpSackBlock[3];
        void Work()
        {
            for (uint una = 0; una < 100_000; una += 100)
            {
                blocks[0] = new TcpSackBlock(una + 300, una + 400);
                blocks[1] = new TcpSackBlock(una + 500, una + 600);
                blocks[2] = new TcpSackBlock(una + 700, una + 800);
                board.Update(una, blocks);
                board.IsLost(una, Mss);
                board.TryNextHole(una, una + 1000, Mss, out _, out _);
            }
        }
        Work();
        long before = GC.GetAllocatedBytesForCurrentThread();
        Work();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
